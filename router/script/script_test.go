package script

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

type tags []int64

func (t *tags) AddTag(v int64) {
	if !t.HasTag(v) {
		*t = append(*t, v)
	}
}
func (t *tags) HasTag(v int64) bool { return slices.Contains(*t, v) }
func (t *tags) GetTags() []int64    { return *t }
func (t *tags) RemoveTag(v int64) {
	*t = slices.DeleteFunc(*t, func(x int64) bool { return x == v })
}
func (t *tags) FlushTags() { *t = (*t)[:0] }

func mtInput(tg Tagger) *Input {
	return &Input{
		PDU: &smpp.PDU{Source: smpp.Address{TON: 1, Addr: []byte("2012")}, Dest: smpp.Address{Addr: []byte("+33600000001")},
			ShortMessage: []byte("hello"), DataCoding: 8},
		UID: "u1", GID: "g1", Time: time.Date(2015, 7, 14, 9, 30, 0, 0, time.UTC), Tags: tg,
	}
}

func run(t *testing.T, src string, in *Input) (Outcome, error) {
	t.Helper()
	p, err := Compile("pyCode", src)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p.Run(in, Limits{Timeout: time.Minute})
}

func TestRunResult(t *testing.T) {
	tests := []struct {
		name, src string
		want      bool
	}{
		{"match", "result = routable.pdu.params['destination_addr'].startswith('+33')\n", true},
		{"no match", "result = routable.pdu.params['destination_addr'] == '85111'\n", false},
		{"jasmin style", "if routable.user.uid == 'u1':\n    result = True\nelse:\n    result = False\n", true},
		{"group", "result = routable.user.group.gid == 'g1' and routable.connector == None\n", true},
		{"fields", "p = routable.pdu.params\nresult = p['source_addr_ton'] == 1 and p['data_coding'] == 8 and p['short_message'] == 'hello' and p.get('message_payload') == None\n", true},
		{"datetime", "result = routable.datetime.hour == 9 and routable.date_time.minute == 30 and routable.datetime.year == 2015\n", true},
		{"no result", "x = 1\n", false},
		{"non-bool result", "result = 'yes'\n", false},
		{"function and loop", "def f(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\nresult = f(10) == 45\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, tc.src, mtInput(nil))
			if err != nil {
				t.Fatal(err)
			}
			if out.Result != tc.want {
				t.Errorf("result %v, want %v", out.Result, tc.want)
			}
		})
	}
}

func TestRunMO(t *testing.T) {
	in := &Input{MO: true, Connector: "abc", PDU: &smpp.PDU{}}
	out, err := run(t, "if routable.connector.cid == 'abc':\n    result = True\nelse:\n    result = False\nresult = result and routable.user == None\n", in)
	if err != nil || !out.Result {
		t.Fatalf("%v %v", out.Result, err)
	}
}

func TestTags(t *testing.T) {
	var tg tags = []int64{1, 2}
	out, err := run(t, `
routable.addTag(33)
routable.addTag('34')
routable.addTag(33)
routable.removeTag(1)
had = routable.hasTag(2)
routable.removeTag(2)
result = had and routable.getTags() == [33, 34]
`, mtInput(&tg))
	if err != nil || !out.Result {
		t.Fatalf("result %v err %v", out.Result, err)
	}
	if !slices.Equal(tg, []int64{33, 34}) {
		t.Errorf("tags %v", tg)
	}
	if _, err := run(t, "routable.flushTags()\nresult = True\n", mtInput(&tg)); err != nil || len(tg) != 0 {
		t.Errorf("flush: %v %v", tg, err)
	}
	// Without a Tagger, tags live for the run only.
	if out, err := run(t, "routable.addTag(5)\nresult = routable.hasTag(5)\n", mtInput(nil)); err != nil || !out.Result {
		t.Errorf("local tags: %v %v", out.Result, err)
	}
	if _, err := run(t, "routable.addTag('x')\n", mtInput(nil)); err == nil || !strings.Contains(err.Error(), "integer") {
		t.Errorf("bad tag: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src  string
		line int
	}{
		{"result = True\nresult = = 2\n", 2},
		{"result = (\n", 2},
		{"x = 1\ny = undefined_name\n", 2},
		{"load('x.star', 'y')\nresult = True\n", 1},
	}
	for _, tc := range tests {
		_, err := Compile("pyCode", tc.src)
		var ce *CompileError
		if !errors.As(err, &ce) {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if ce.Field != "pyCode" || ce.Line != tc.line || !strings.HasPrefix(err.Error(), "pyCode: line ") {
			t.Errorf("%q: %v (line %d, want %d)", tc.src, err, ce.Line, tc.line)
		}
	}
}

func TestLimits(t *testing.T) {
	p, err := Compile("pyCode", "while True:\n    pass\nresult = True\n")
	if err != nil {
		t.Fatal(err)
	}
	// The errors prove which limit stopped the loop; how fast is a
	// benchmark's business, not a test's.
	_, err = p.Run(mtInput(nil), Limits{MaxSteps: 10_000, Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "too many steps") {
		t.Fatalf("step limit: %v", err)
	}
	_, err = p.Run(mtInput(nil), Limits{MaxSteps: 1 << 62, Timeout: 20 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "time limit") {
		t.Fatalf("time limit: %v", err)
	}
	// A runtime error names the script and the line.
	p, _ = Compile("pyCode", "x = 1\nresult = 1 // 0\n")
	if _, err := p.Run(mtInput(nil), Limits{Timeout: time.Minute}); err == nil || !strings.Contains(err.Error(), "pyCode:2") {
		t.Errorf("runtime error: %v", err)
	}
}

func TestConcurrentRuns(t *testing.T) {
	p, err := Compile("pyCode", "result = routable.user.uid == 'u1'\n")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			ok := true
			for i := 0; i < 200; i++ {
				// A generous time limit: the race detector on a loaded
				// machine must not turn slowness into a failure.
				out, err := p.Run(mtInput(nil), Limits{Timeout: time.Minute})
				ok = ok && err == nil && out.Result
			}
			done <- ok
		}()
	}
	for g := 0; g < 8; g++ {
		if !<-done {
			t.Error("a concurrent run failed")
		}
	}
}
