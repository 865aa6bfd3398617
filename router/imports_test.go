package router

import (
	"go/build"
	"strings"
	"testing"
)

// router is pure logic (no transport, no store): its refusals carry kinds
// that each front-end maps, and the store keeps the ledger's numbers.
// router/ledger, which the store imports too, imports nothing of gwd.
func TestImportBoundaries(t *testing.T) {
	for _, tc := range []struct {
		dir       string
		forbidden func(imp string) bool
	}{
		{".", func(imp string) bool {
			return imp == "net/http" || strings.HasPrefix(imp, "github.com/gwd-project/gwd/wal") ||
				strings.HasPrefix(imp, "github.com/gwd-project/gwd/engine")
		}},
		{"ledger", func(imp string) bool { return strings.HasPrefix(imp, "github.com/gwd-project/gwd/") }},
	} {
		p, err := build.ImportDir(tc.dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if tc.forbidden(imp) {
				t.Errorf("router/%s imports %s", tc.dir, imp)
			}
		}
	}
}
