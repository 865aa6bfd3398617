package junebug

import (
	"strings"
	"testing"

	"github.com/gwd-project/gwd/engine/smppc"
)

// TestBuildPartsSplitsLikeTheHTTPAPI: a long Junebug message is cut as
// the HTTP API cuts it (mt.DefaultSplit): 306 GSM characters are 3 parts
// of at most 152 behind a 16-bit reference UDH, not Jasmin's 2 of 153.
func TestBuildPartsSplitsLikeTheHTTPAPI(t *testing.T) {
	var s Server
	cfg := smppc.DefaultConfig("jb_split")
	parts, err := s.buildParts(&messageRequest{To: "27820000001", Content: strings.Repeat("a", 306)}, "27820000001", "", &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	for i, p := range parts {
		sm := p.ShortMessage
		if p.EsmClass&0x40 == 0 || len(sm) < 7 || sm[0] != 6 || sm[1] != 0x08 || sm[5] != 3 || int(sm[6]) != i+1 {
			t.Fatalf("part %d: esm_class %#x, header % x", i+1, p.EsmClass, sm[:min(len(sm), 7)])
		}
		if p.RegisteredDelivery != 1 || len(sm)-7 > 152 {
			t.Fatalf("part %d: registered_delivery %d, %d characters", i+1, p.RegisteredDelivery, len(sm)-7)
		}
	}
}
