package script

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// TestMemoryCapStopsHugeAllocations: scripts that try to build huge
// values — in one step or by doubling — fail with ErrMemoryLimit before
// the process allocates them (the test measures what it allocated), and
// the next run of a sane script works.
func TestMemoryCapStopsHugeAllocations(t *testing.T) {
	attacks := map[string]string{
		"string repeat":     "x = 'a' * (1 << 29)\n",
		"repeat reversed":   "x = (1 << 28) * 'ab'\n",
		"list repeat":       "x = [0] * (1 << 27)\n",
		"tuple repeat":      "x = (1, 2) * (1 << 26)\n",
		"string doubling":   "s = 'x'\nfor i in range(40):\n    s = s + s\n",
		"augmented":         "s = 'x'\nfor i in range(40):\n    s += s\n",
		"list doubling":     "l = [1]\nfor i in range(40):\n    l += l\n",
		"bigint squaring":   "n = 3\nfor i in range(40):\n    n = n * n\n",
		"join":              "l = ['x' * 1000] * 1000\ns = ''.join(l)\nt = ''.join([s] * 1000)\n",
		"join as value":     "j = ''.join\ns = 'y' * 100000\nt = j([s] * 10000)\n",
		"getattr join":      "s = 'y' * 100000\nt = getattr('', 'join')([s] * 10000)\n",
		"replace":           "s = 'a' * 100000\nt = s.replace('a', 'b' * 1000)\n",
		"format":            "s = 'z' * 100000\nt = '{}{}{}{}{}{}{}{}{}{}'.format(s, s, s, s, s, s, s, s, s, s) * 1\nu = ('{0}' * 1000).format(s)\n",
		"percent":           "s = 'z' * 100000\nt = ('%s' * 1000) % tuple([s] * 1000)\n",
		"str of shared":     "s = 'q' * 100000\nl = [s] * 1000\nt = str(l)\n",
		"repr of nested":    "a = ['w' * 1000]\nfor i in range(30):\n    a = [a, a]\nt = repr(a)\n",
		"list of range":     "x = list(range(1 << 30))\n",
		"sorted of range":   "x = sorted(range(1 << 30))\n",
		"zip of ranges":     "x = zip(range(1 << 28), range(1 << 28))\n",
		"dict of enumerate": "x = dict(enumerate(range(1 << 28)))\n",
		"split":             "s = ',' * 1000000\nparts = [s.split(',') for i in range(100)]\n",
		"upper kept":        "s = 'u' * 1000000\nkeep = [s.upper() for i in range(1000)]\n",
		"stepped slices":    "s = 'v' * 1000000\nkeep = [s[::-1] for i in range(1000)]\n",
		"list slices":       "l = list(range(100000))\nkeep = [l[:] for i in range(1000)]\n",
		"extend":            "l = [0] * 100000\nm = []\nfor i in range(1000):\n    m.extend(l)\n",
		"fail message":      "s = 'f' * 100000\nfail([s] * 10000)\n",
		"in a function":     "def f(n):\n    return 'k' * n\nx = f(1 << 29)\n",
		"in a lambda":       "f = lambda n: [n] * n\nx = f(1 << 28)\n",
		"default argument":  "def f(x = 'd' * (1 << 29)):\n    return x\n",
		"dict union":        "d = {}\nfor i in range(20000):\n    d[i] = i\ne = [d | d for i in range(1000)]\n",
		"index target":      "l = ['x']\nfor i in range(40):\n    l[0] += l[0]\n",
	}
	for name, src := range attacks {
		t.Run(name, func(t *testing.T) {
			p, err := Compile("pyCode", src)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = p.Run(mtInput(nil), Limits{Timeout: time.Minute, MaxSteps: 10_000_000})
			runtime.ReadMemStats(&after)
			var ml *ErrMemoryLimit
			if err == nil || !strings.Contains(err.Error(), "memory limit exceeded") {
				t.Fatalf("run: %v, want the memory limit", err)
			}
			_ = errors.As(err, &ml)
			if got := after.TotalAlloc - before.TotalAlloc; got > 256<<20 {
				t.Errorf("the run allocated %d MiB before being stopped", got>>20)
			}
		})
	}
	// The process, and the next script, carry on.
	if out, err := run(t, "result = ('a' * 10).upper() == 'AAAAAAAAAA'\n", mtInput(nil)); err != nil || !out.Result {
		t.Fatalf("after the attacks: %v %v", out.Result, err)
	}
}

// TestMemoryCapKeepsSemantics: the rewritten operations behave as
// Starlark's own, within the cap.
func TestMemoryCapKeepsSemantics(t *testing.T) {
	src := `
l = [1]
m = l
l += [2, 3]
s = 'ab' * 3
s += 'c'
d = {'a': 1}
d |= {'b': 2}
n = 7
n *= 6
n <<= 1
parts = 'a,b,c'.split(',')
j = '-'.join(parts)
f = '{}={}'.format('k', 1)
p = '%s/%d' % ('x', 5)
r = 'hello'[::-1]
sub = 'hello'[1:3]
up = getattr('abc', 'upper')()
g = ''.join
x = [0] * 3
x[1] += 5
keys = sorted(routable.pdu.params.keys())
def app(acc, v = 'v' + 'w'):
    acc += [v]
    return acc
app(m)
result = (m == [1, 2, 3, 'vw'] and l == m and s == 'abababc' and d == {'a': 1, 'b': 2} and n == 84 and
          j == 'a-b-c' and f == 'k=1' and p == 'x/5' and r == 'olleh' and sub == 'el' and up == 'ABC' and
          g(['1', '2']) == '12' and x == [0, 5, 0] and 'source_addr' in keys and str(1) == '1' and
          repr('a') == '"a"' and list((1, 2)) == [1, 2] and dict(a = 1) == {'a': 1} and
          len(zip([1], [2])) == 1 and tuple([1]) == (1,) and 'x'.replace('x', 'y') == 'y')
`
	out, err := run(t, src, mtInput(nil))
	if err != nil || !out.Result {
		t.Fatalf("result %v, err %v", out.Result, err)
	}
	// A type error is still Starlark's own.
	if _, err := run(t, "x = 'a' + 1\n", mtInput(nil)); err == nil || !strings.Contains(err.Error(), "unknown binary op: string + int") {
		t.Errorf("'a' + 1: %v", err)
	}
	if _, err := run(t, "x = 'a'.nosuch\n", mtInput(nil)); err == nil || !strings.Contains(err.Error(), "has no .nosuch field or method") {
		t.Errorf("'a'.nosuch: %v", err)
	}
}

// FuzzRewrite: any script Starlark compiles still compiles once rewritten
// for the memory cap, and running it (small limits) returns instead of
// panicking or exceeding the cap by much.
func FuzzRewrite(f *testing.F) {
	for _, s := range []string{
		"x = 'a' * 3\n", "l = [1]\nl += [2]\nresult = l[::-1] == [2, 1]\n",
		"d = {}\nd |= {'a': 1}\nresult = '%s' % d\n", "def f(a, b = 1 + 2, *c, **d):\n    return [a + b for a in c]\n",
		"x = [1, 2][0:1]\nx[0] += 1\nx[0:1]\n", "s = ','.join(['a', 'b']).split(',')\n", "f = lambda x: x * 2\ny = f(3)\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		_, orig, err := starlarkSource(src)
		if err != nil {
			return // not a valid script: nothing to compare
		}
		p, err := Compile("pyCode", src)
		if err != nil {
			// Only a script that cannot run either may be refused (x += 1
			// with x unbound is a compile error once rewritten).
			th := &starlark.Thread{}
			th.SetMaxExecutionSteps(10_000)
			th.SetLocal(budgetKey, &budget{max: 1 << 20})
			pre := starlark.StringDict{"routable": starlark.None, "smpp_status": starlark.MakeInt(0), "http_status": starlark.MakeInt(0)}
			for k, v := range checkedBuiltins {
				pre[k] = v
			}
			for k, v := range pduTypes {
				pre[k] = v
			}
			if _, rerr := orig.Init(th, pre); rerr == nil {
				t.Fatalf("runs as Starlark but not rewritten: %v\n%s", err, src)
			}
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = p.Run(mtInput(nil), Limits{MaxSteps: 10_000, Timeout: 100 * time.Millisecond, MaxAlloc: 1 << 20})
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
			t.Fatalf("a run with a 1 MiB cap allocated %d MiB:\n%s", got>>20, src)
		}
	})
}

// starlarkSource compiles src as Starlark would without the rewrite.
func starlarkSource(src string) (*syntax.File, *starlark.Program, error) {
	return starlark.SourceProgramOptions(fileOptions, "pyCode", src, isPredeclared)
}
