package script

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func setDir(t *testing.T, dir string) {
	t.Helper()
	if err := SetDir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = SetDir("") })
}

// TestReadFileConfined: with [scripts] dir set, a file inside it is read
// (absolute or relative path, through ./sub/../); paths outside it, "../"
// escapes and symlinks leading out are refused; with no dir, every file is
// refused with an error naming [scripts] dir.
func TestReadFileConfined(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "scripts")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "ok.py"), "result = True\n")
	write(filepath.Join(base, "outside.py"), "result = 'stolen'\n")
	if err := os.Symlink(filepath.Join(base, "outside.py"), filepath.Join(dir, "link.py")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "ok.py"), filepath.Join(dir, "sub", "inner.py")); err != nil {
		t.Fatal(err)
	}

	if _, err := ReadFile(filepath.Join(dir, "ok.py")); !errors.Is(err, ErrNoDir) || !strings.Contains(err.Error(), "[scripts] dir") {
		t.Fatalf("no dir: %v", err)
	}

	setDir(t, dir)
	for _, p := range []string{filepath.Join(dir, "ok.py"), "ok.py", "./sub/../ok.py", filepath.Join(dir, "sub", "inner.py")} {
		src, err := ReadFile(p)
		if err != nil || src != "result = True\n" {
			t.Errorf("ReadFile(%q) = %q, %v", p, src, err)
		}
	}
	for _, p := range []string{
		filepath.Join(base, "outside.py"),      // absolute, elsewhere
		filepath.Join(dir, "..", "outside.py"), // ../ escape
		"../outside.py",                        // relative escape
		filepath.Join(dir, "link.py"),          // symlink to a file outside
		filepath.Join(dir, "up", "outside.py"), // through a symlinked directory
		"/etc/passwd",
	} {
		src, err := ReadFile(p)
		if err == nil || strings.Contains(src, "stolen") {
			t.Errorf("ReadFile(%q) = %q, %v: not refused", p, src, err)
			continue
		}
		if !errors.Is(err, ErrOutsideDir) && !strings.Contains(err.Error(), "outside [scripts] dir") {
			t.Errorf("ReadFile(%q): %v, want an error saying it is outside [scripts] dir", p, err)
		}
	}
	if InDir(filepath.Join(dir, "link.py")) || !InDir("ok.py") {
		t.Error("InDir disagrees with ReadFile")
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.py")); err == nil || !strings.Contains(err.Error(), "cannot read script file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "sub")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
}
