package smpp

import (
	"bytes"
	"testing"

	gdata "github.com/linxGnu/gosmpp/data"
	gpdu "github.com/linxGnu/gosmpp/pdu"
)

func BenchmarkDecodeSubmitSM(b *testing.B) {
	frame := sampleSubmitSM().AppendTo(nil)
	var p PDU
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := p.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSubmitSM(b *testing.B) {
	p := sampleSubmitSM()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(p.AppendTo(nil))))
	for b.Loop() {
		buf = p.AppendTo(buf[:0])
	}
}

func BenchmarkDecodeDeliverSM(b *testing.B) {
	frame := sampleDeliverSM().AppendTo(nil)
	var p PDU
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := p.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSubmitSMResp(b *testing.B) {
	p := sampleSubmitSMResp()
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	b.SetBytes(int64(len(p.AppendTo(nil))))
	for b.Loop() {
		buf = p.AppendTo(buf[:0])
	}
}

func BenchmarkParseReceipt(b *testing.B) {
	text := sampleDeliverSM().ShortMessage
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ParseReceipt(text); err != nil {
			b.Fatal(err)
		}
	}
}

// gosmppSubmitSM builds sampleSubmitSM with gosmpp. The two encodings are
// the same bytes up to TLV order (gosmpp writes TLVs in map order), so the
// benchmarks compare like with like.
func gosmppSubmitSM(b *testing.B) *gpdu.SubmitSM {
	p := sampleSubmitSM()
	g := gpdu.NewSubmitSM().(*gpdu.SubmitSM)
	g.SetSequenceNumber(int32(p.Seq))
	g.ServiceType = string(p.ServiceType)
	var err error
	if g.SourceAddr, err = gpdu.NewAddressWithTonNpiAddr(p.Source.TON, p.Source.NPI, string(p.Source.Addr)); err != nil {
		b.Fatal(err)
	}
	if g.DestAddr, err = gpdu.NewAddressWithTonNpiAddr(p.Dest.TON, p.Dest.NPI, string(p.Dest.Addr)); err != nil {
		b.Fatal(err)
	}
	g.EsmClass, g.ProtocolID, g.PriorityFlag = p.EsmClass, p.ProtocolID, p.PriorityFlag
	g.ValidityPeriod = string(p.ValidityPeriod)
	g.RegisteredDelivery = p.RegisteredDelivery
	if g.Message, err = gpdu.NewBinaryShortMessageWithEncoding(p.ShortMessage, gdata.UCS2); err != nil {
		b.Fatal(err)
	}
	p.TLVs.Each(func(tag Tag, val []byte) bool {
		g.RegisterOptionalParam(gpdu.Field{Tag: gpdu.Tag(tag), Data: val})
		return true
	})
	out := gpdu.NewBuffer(nil)
	g.Marshal(out)
	if ours := p.AppendTo(nil); out.Len() != len(ours) {
		b.Fatalf("gosmpp encodes %d octets, we encode %d", out.Len(), len(ours))
	}
	return g
}

func BenchmarkGosmppDecodeSubmitSM(b *testing.B) {
	frame := sampleSubmitSM().AppendTo(nil)
	r := bytes.NewReader(frame)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		r.Reset(frame)
		if _, err := gpdu.Parse(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGosmppEncodeSubmitSM(b *testing.B) {
	g := gosmppSubmitSM(b)
	buf := gpdu.NewBuffer(make([]byte, 0, 512))
	b.ReportAllocs()
	b.SetBytes(int64(len(sampleSubmitSM().AppendTo(nil))))
	for b.Loop() {
		buf.Reset()
		g.Marshal(buf)
	}
}
