package thrower

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// Signature headers (see the package doc, "Signatures").
const (
	HeaderTimestamp = "X-Gwd-Timestamp"
	HeaderSignature = "X-Gwd-Signature"
	// SignaturePrefix starts the value of HeaderSignature; the hex digest
	// follows.
	SignaturePrefix = "sha256="
)

var (
	hdrTimestamp = []byte(HeaderTimestamp)
	hdrSignature = []byte(HeaderSignature)
)

// signer is a worker's reusable HMAC state for its lane's key.
type signer struct {
	mac hash.Hash
	ts  []byte
	sum []byte
	sig []byte
}

func newSigner(key []byte) *signer {
	if len(key) == 0 {
		return nil
	}
	return &signer{mac: hmac.New(sha256.New, key)}
}

// sign sets the timestamp and signature headers of req, whose method,
// URI and body are final.
func (s *signer) sign(req *fasthttp.Request, method, requestURI []byte, now time.Time) {
	s.ts = strconv.AppendInt(s.ts[:0], now.Unix(), 10)
	s.sig = append(s.sig[:0], SignaturePrefix...)
	s.sum = appendSignature(s.sum[:0], s.mac, s.ts, method, requestURI, req.Body())
	s.sig = hex.AppendEncode(s.sig, s.sum)
	req.Header.SetBytesKV(hdrTimestamp, s.ts)
	req.Header.SetBytesKV(hdrSignature, s.sig)
}

// appendSignature appends HMAC-SHA256 of "<timestamp>.<method>.<request
// URI>.<body>" under mac's key.
func appendSignature(dst []byte, mac hash.Hash, ts, method, requestURI, body []byte) []byte {
	mac.Reset()
	mac.Write(ts)
	mac.Write(dot)
	mac.Write(method)
	mac.Write(dot)
	mac.Write(requestURI)
	mac.Write(dot)
	mac.Write(body)
	return mac.Sum(dst)
}

var dot = []byte{'.'}
