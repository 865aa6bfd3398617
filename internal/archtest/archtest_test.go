package archtest

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A rule forbids the packages in its folders to import a path.
type rule struct {
	why    string   // the design rule, for the failure message
	imp    string   // forbidden import path (and every path under it)
	in     []string // folders it applies to ("engine/..." is the subtree); none: everywhere
	except []string // folders exempt from it, in the same form
	// code: the rule binds the package's code, not its tests (a
	// front-end's tests may wire a whole gateway to drive it).
	code bool
}

// rules are the module's dependency rules.
var rules = []rule{
	{
		why:    "the store is a boundary: only store talks to Pebble",
		imp:    "github.com/cockroachdb/pebble",
		except: []string{"store"},
	},
	{
		why: "router is pure logic: its refusals carry kinds that each front-end maps to HTTP or SMPP",
		imp: "net/http",
		in:  []string{"router/..."},
	},
	{
		why: "router decides, the store keeps the numbers: router does not reach into the store",
		imp: "github.com/gwd-project/gwd/store",
		in:  []string{"router/..."},
	},
	{
		why: "router is below the engine",
		imp: "github.com/gwd-project/gwd/engine",
		in:  []string{"router/..."},
	},
	{
		why: "router/ledger is a leaf that router and the store share",
		imp: "github.com/gwd-project/gwd",
		in:  []string{"router/ledger"},
	},
	{
		why:  "front-ends take the small interfaces they use, not the gateway",
		imp:  "github.com/gwd-project/gwd/engine/gateway",
		in:   []string{"engine/api/jcli", "engine/api/admin", "engine/api/junebug"},
		code: true,
	},
}

func TestDependencyRules(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bad, err := violations(root, rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range bad {
		t.Error(v)
	}
}

// TestRulesCatchAViolation runs the checker on a small module laid out to
// break the pebble rule once (and keep it once), so that
// TestDependencyRules cannot pass by checking nothing.
func TestRulesCatchAViolation(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                     "module example.com/m\n",
		"store/store.go":             "package store\n\nimport _ \"github.com/cockroachdb/pebble/v2\"\n",
		"store/store_test.go":        "package store\n\nimport _ \"github.com/cockroachdb/pebble/v2\"\n",
		"storex/leak.go":             "package storex\n\nimport \"github.com/cockroachdb/pebble/v2/vfs\"\n",
		"engine/gw/outcome.go":       "package gw\n\nimport (\n\t\"fmt\"\n\tpb \"github.com/cockroachdb/pebble/v2\"\n)\n",
		"engine/gw/x_test.go":        "package gw\n\nimport \"github.com/cockroachdb/pebble\"\n",
		"engine/gw/testdata/a.go":    "package a\n\nimport \"github.com/cockroachdb/pebble\"\n",
		"router/r.go":                "package router\n\nimport \"net/http\"\n",
		"engine/api/jcli/gw.go":      "package jcli\n\nimport \"github.com/gwd-project/gwd/engine/gateway\"\n",
		"engine/api/jcli/gw_test.go": "package jcli\n\nimport \"github.com/gwd-project/gwd/engine/gateway\"\n",
	}
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := violations(root, rules)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"engine/gw/outcome.go imports github.com/cockroachdb/pebble/v2: the store is a boundary: only store talks to Pebble",
		"engine/gw/x_test.go imports github.com/cockroachdb/pebble: the store is a boundary: only store talks to Pebble",
		"engine/api/jcli/gw.go imports github.com/gwd-project/gwd/engine/gateway: front-ends take the small interfaces they use, not the gateway",
		"router/r.go imports net/http: router is pure logic: its refusals carry kinds that each front-end maps to HTTP or SMPP",
		"storex/leak.go imports github.com/cockroachdb/pebble/v2/vfs: the store is a boundary: only store talks to Pebble",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// violations lists, sorted, every import in the Go files under root that
// breaks one of rs. Folders named testdata, vendor or starting with '.'
// or '_' are skipped, as the go command does.
func violations(root string, rs []rule) ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return fmt.Errorf("read imports: %w", err)
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		for _, is := range f.Imports {
			imp, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: import %s: %w", rel, is.Path.Value, err)
			}
			for _, r := range rs {
				if r.code && strings.HasSuffix(name, "_test.go") {
					continue
				}
				if r.forbids(dir, imp) {
					out = append(out, fmt.Sprintf("%s imports %s: %s", rel, imp, r.why))
				}
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

func (r rule) forbids(dir, imp string) bool {
	if imp != r.imp && !strings.HasPrefix(imp, r.imp+"/") {
		return false
	}
	if len(r.in) > 0 && !slices.ContainsFunc(r.in, func(p string) bool { return inFolder(dir, p) }) {
		return false
	}
	return !slices.ContainsFunc(r.except, func(p string) bool { return inFolder(dir, p) })
}

// inFolder reports whether dir is the folder pattern p ("a/b"), or for
// "a/b/...", a/b or any folder under it.
func inFolder(dir, p string) bool {
	if tree, ok := strings.CutSuffix(p, "/..."); ok {
		return dir == tree || strings.HasPrefix(dir, tree+"/")
	}
	return dir == p
}

// moduleRoot is the nearest folder above the working directory holding
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
