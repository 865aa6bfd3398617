package httpapi

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// sendbatchPath is the one path allowed a body larger than MaxBodySize.
const sendbatchPath = "/secure/sendbatch"

// headerReceived runs once a request's headers are in, before fasthttp
// reads any of its body: it gives /secure/sendbatch BatchBodySize as its
// limit, and every other path keeps the server's MaxBodySize. fasthttp
// refuses a body whose Content-Length is over the limit without reading
// it (ErrBodyTooLarge: serveError answers 413), and stops a chunked one
// at the limit.
func (s *Server) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if isSendbatch(h.RequestURI()) {
		return fasthttp.RequestConfig{MaxRequestBodySize: s.opts.BatchBodySize}
	}
	return fasthttp.RequestConfig{}
}

// bodyLimit is the body limit of a request for uri.
func (s *Server) bodyLimit(uri []byte) int {
	if isSendbatch(uri) {
		return s.opts.BatchBodySize
	}
	return s.opts.MaxBodySize
}

// isSendbatch reports whether a request URI (origin form, as clients send
// it) names /secure/sendbatch. Other spellings that route there (an
// absolute URI, dot segments) get the smaller limit: stricter, never
// looser.
func isSendbatch(uri []byte) bool {
	if i := bytes.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	return string(uri) == sendbatchPath
}
