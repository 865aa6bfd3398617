package script

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// MaxFileSize is the largest script file ReadFile reads.
const MaxFileSize = 1 << 20

// ErrNoDir is ReadFile's error when no script directory is set.
var ErrNoDir = errors.New("script files are refused: [scripts] dir is not set in gwd.toml (set it to the directory that holds the scripts, or give the script inline)")

// ErrOutsideDir is ReadFile's error for a path that leads out of the
// script directory (../, another absolute path, a symlink).
var ErrOutsideDir = errors.New("outside [scripts] dir")

// scriptDir is the directory SetDir set: its path as given (cleaned,
// absolute) and with its symlinks resolved; nil when none.
var scriptDir atomic.Pointer[dirInfo]

type dirInfo struct{ abs, real string }

// SetDir confines ReadFile to dir ([scripts] dir); "" refuses every file.
// The setting is process-wide: cmd/gwd's gateway sets it once at start.
func SetDir(dir string) error {
	if dir == "" {
		scriptDir.Store(nil)
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("[scripts] dir %q: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return fmt.Errorf("[scripts] dir %q: %w", dir, err)
	}
	if fi, err := os.Stat(real); err != nil {
		return fmt.Errorf("[scripts] dir %q: %w", dir, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("[scripts] dir %q is not a directory", dir)
	}
	scriptDir.Store(&dirInfo{abs: abs, real: real})
	return nil
}

// Dir returns the script directory SetDir set ("" for none).
func Dir() string {
	if d := scriptDir.Load(); d != nil {
		return d.abs
	}
	return ""
}

// ReadFile reads the script at path, which must lie inside the directory
// SetDir set: a relative path is taken from that directory; the path is
// cleaned and opened through an os.Root on the directory, so neither
// "../" nor a symlink can lead out of it. The file must be a regular,
// non-empty UTF-8 text file of at most MaxFileSize octets.
func ReadFile(path string) (string, error) {
	d := scriptDir.Load()
	if d == nil {
		return "", ErrNoDir
	}
	rel, err := d.resolve(path)
	if err != nil {
		return "", err
	}
	root, err := os.OpenRoot(d.real)
	if err != nil {
		return "", fmt.Errorf("[scripts] dir: %w", err)
	}
	defer root.Close()
	f, err := root.Open(rel) // refuses a symlink swapped in meanwhile that leads out
	if err != nil {
		if strings.Contains(err.Error(), "escapes") {
			return "", fmt.Errorf("script file %s: %w %s (a symlink leads out of it)", path, ErrOutsideDir, d.abs)
		}
		return "", fmt.Errorf("cannot read script file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read script file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("cannot read script file: %s is not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		return "", fmt.Errorf("script file %s is larger than 1 MiB", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("cannot read script file: %w", err)
	}
	if len(b) > MaxFileSize {
		return "", fmt.Errorf("script file %s is larger than 1 MiB", path)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", fmt.Errorf("script file %s is empty", path)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("script file %s is not UTF-8 text", path)
	}
	return string(b), nil
}

// rel turns path into a path relative to the directory, refusing one
// that leaves it lexically (the os.Root refuses symlinks that do).
func (d *dirInfo) rel(path string) (string, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return "", fmt.Errorf("script file %q: NUL in path", path)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(d.abs, path)
	}
	path = filepath.Clean(path)
	for _, base := range []string{d.abs, d.real} {
		if rel, err := filepath.Rel(base, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel, nil
		}
	}
	return "", fmt.Errorf("script file %s: %w %s", path, ErrOutsideDir, d.abs)
}

// resolve is rel, then the file's real path (symlinks resolved, which
// must stay inside the directory), relative to the directory's real path.
func (d *dirInfo) resolve(path string) (string, error) {
	rel, err := d.rel(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(filepath.Join(d.real, rel))
	if err != nil {
		return "", fmt.Errorf("cannot read script file: %w", err)
	}
	rr, err := filepath.Rel(d.real, real)
	if err != nil || rr == ".." || strings.HasPrefix(rr, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("script file %s: %w %s (a symlink leads out of it)", path, ErrOutsideDir, d.abs)
	}
	return rr, nil
}

// InDir reports whether path names an existing regular file inside the
// script directory (false when none is set): callers that accept either
// inline source or a file path (EvalPyFilter's pyCode) use it to decide.
func InDir(path string) bool {
	d := scriptDir.Load()
	if d == nil {
		return false
	}
	rel, err := d.resolve(path)
	if err != nil {
		return false
	}
	root, err := os.OpenRoot(d.real)
	if err != nil {
		return false
	}
	defer root.Close()
	st, err := root.Stat(rel)
	return err == nil && st.Mode().IsRegular()
}
