package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/router"
)

// The RESTful API (manual, "RESTful API"): the HTTP API's services with
// JSON bodies and answers and HTTP Basic authentication.
//
//	POST /secure/send       {"to": …, "content": …}  → {"data": "Success \"<id>"}
//	POST /secure/sendbatch  {"messages": […], …}      → {"data": {"batchId": …, "messageCount": N}}
//	GET  /secure/balance                              → {"data": {"balance": "10.23", "sms_count": "ND"}}
//	GET  /secure/rate?to=…                            → {"data": {"submit_sm_count": 1, "unit_rate": 0.02}}
//
// Parameters are /send's, under the same names; a key written with '_'
// is read with '-' (hex_content is hex-content, dlr_url is dlr-url,
// idempotency_key is idempotency-key, which the Idempotency-Key header
// may carry instead: see idempotency.go), and
// username and password in a body are ignored: the Authorization header
// says who sends. A request without valid credentials is answered 401
// (WWW-Authenticate: Basic) with {"message": "…"}.
//
// Other errors keep the HTTP API's status and text: {"message": "Error
// \"No route found"}. Like Jasmin's REST API (a client of its HTTP API
// that strips the '"' around the answer it gets), the data and message
// strings lack the closing quote of the HTTP API's body — the manual's
// result `{"data": "Success \"c723d42a-…"}` is exactly that.

// restRealm is the Basic authentication realm.
const restRealm = `Basic realm="gwd"`

// restText is Jasmin's REST form of an HTTP API body: the body with the
// '"' at either end stripped.
func restText(b []byte, o *outcome) []byte {
	if o.ok() {
		b = append(b, `Success "`...)
		return append(b, o.id...)
	}
	b = append(b, `Error "`...)
	return append(b, strings.TrimRight(o.msg, `"`)...)
}

// writeREST answers a send: {"data": "Success \"id"} or {"message": …}.
func writeREST(ctx *fasthttp.RequestCtx, o *outcome) {
	var text [128]byte
	t := restText(text[:0], o)
	key := "data"
	if !o.ok() {
		key = "message"
		setRetryAfter(ctx, o.err)
	}
	var buf [256]byte
	b := append(buf[:0], `{"`...)
	b = append(b, key...)
	b = append(b, `": `...)
	b = appendJSONString(b, t)
	b = append(b, '}')
	ctx.SetStatusCode(o.status)
	ctx.SetContentType("application/json")
	ctx.Response.SetBody(b)
}

// writeJSONMessage answers {"message": msg} with status.
func writeJSONMessage(ctx *fasthttp.RequestCtx, status int, msg string) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	b := make([]byte, 0, len(msg)+16)
	b = append(b, `{"message": `...)
	b = appendJSONString(b, []byte(msg))
	ctx.Response.SetBodyRaw(append(b, '}'))
}

// writeJSONData answers {"data": <raw JSON>}.
func writeJSONData(ctx *fasthttp.RequestCtx, raw []byte) {
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("application/json")
	b := make([]byte, 0, len(raw)+12)
	b = append(b, `{"data": `...)
	b = append(b, raw...)
	ctx.Response.SetBodyRaw(append(b, '}'))
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b, s []byte) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// restUser authenticates the Authorization: Basic header. On failure it
// answers 401 and returns nil.
func (s *Server) restUser(ctx *fasthttp.RequestCtx) *router.User {
	h := ctx.Request.Header.Peek("Authorization")
	var buf [192]byte
	user, pass, ok := authguard.ParseBasic(h, buf[:])
	if !ok {
		mAuthErrors.Inc()
		ctx.Response.Header.Set("WWW-Authenticate", restRealm)
		writeJSONMessage(ctx, http.StatusUnauthorized, "Authentication required")
		return nil
	}
	u, err := s.authenticate(ctx, unsafeString(user), unsafeString(pass))
	var rf *authguard.Refused
	if errors.As(err, &rf) {
		mAuthErrors.Inc()
		ctx.Response.Header.Set("Retry-After", rf.RetryAfterHeader())
		writeJSONMessage(ctx, refusalStatus(rf), rf.Text())
		return nil
	}
	if err != nil {
		msg := "Authentication failure"
		var ae *router.AuthError
		if errors.As(err, &ae) {
			msg = ae.Text()
		}
		mAuthErrors.Inc()
		ctx.Response.Header.Set("WWW-Authenticate", restRealm)
		writeJSONMessage(ctx, http.StatusUnauthorized, msg)
		return nil
	}
	return u
}

// restKey is a REST parameter name as the HTTP API knows it: '_' read as
// '-'.
func restKey(k string) string {
	if strings.IndexByte(k, '_') < 0 {
		return k
	}
	return strings.ReplaceAll(k, "_", "-")
}

// jsonArgs reads a JSON object of parameters, in order, into args (values
// as text: strings as they are, numbers as written, true/false; null is
// left out). username and password are dropped. listKey, when not empty,
// names a key whose value may also be a list of scalars: its items come
// back in list (nil when the value was a scalar).
func jsonArgs(raw []byte, dst []arg, listKey string) (args []arg, list [][]byte, err error) {
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return dst, nil, &paramError{"Malformed JSON: " + err.Error() + "."}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return dst, nil, &paramError{"Malformed JSON: " + err.Error()}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return dst, nil, &paramError{"Malformed JSON: an object is expected."}
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return dst, nil, &paramError{"Malformed JSON: " + err.Error()}
		}
		key := restKey(kt.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return dst, nil, &paramError{"Malformed JSON: " + err.Error()}
		}
		if key == "username" || key == "password" {
			continue
		}
		v = bytes.TrimSpace(v)
		if listKey != "" && key == listKey && len(v) > 0 && v[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				return dst, nil, &paramError{"Malformed JSON: " + err.Error()}
			}
			if len(items) == 0 {
				return dst, nil, errInvalid(key, v)
			}
			list = list[:0]
			for _, it := range items {
				t, ok, err := jsonScalar(it)
				if err != nil || !ok {
					return dst, nil, errInvalid(key, v)
				}
				list = append(list, t)
			}
			dst = append(dst, arg{key: []byte(key)})
			continue
		}
		t, ok, err := jsonScalar(v)
		if err != nil {
			return dst, nil, errInvalid(key, v)
		}
		if ok {
			dst = append(dst, arg{key: []byte(key), val: t})
		}
	}
	if _, err := dec.Token(); err != nil {
		return dst, nil, &paramError{"Malformed JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return dst, nil, &paramError{"Malformed JSON: data after the object."}
	}
	return dst, list, nil
}

// jsonScalar is a JSON scalar as parameter text; ok is false for null.
func jsonScalar(v json.RawMessage) ([]byte, bool, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil, false, errors.New("empty value")
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, false, err
		}
		return []byte(s), true, nil
	case 'n':
		return nil, false, nil
	case 't', 'f':
		return v, true, nil
	case '[', '{':
		return nil, false, errors.New("not a scalar")
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// serveRESTSend is POST /secure/send.
func (s *Server) serveRESTSend(ctx *fasthttp.RequestCtx) {
	mRequests.Inc()
	u := s.restUser(ctx)
	if u == nil {
		return
	}
	j := s.getJob()
	var err error
	j.args, _, err = jsonArgs(ctx.PostBody(), j.args[:0], "")
	if err == nil {
		j.args = appendIdemHeader(ctx, j.args)
		err = j.req.parse(j.args, epSend, true)
	}
	if err != nil {
		o := refused(err)
		writeREST(ctx, &o)
		s.putJob(j)
		return
	}
	o, reuse := s.sendHTTP(j, u.UID)
	writeREST(ctx, &o)
	if reuse {
		s.putJob(j)
	}
}

// serveRESTBalance is GET /secure/balance.
func (s *Server) serveRESTBalance(ctx *fasthttp.RequestCtx) {
	mRequests.Inc()
	u := s.restUser(ctx)
	if u == nil {
		return
	}
	c, o := s.balanceOf(u.UID)
	if !o.ok() {
		writeREST(ctx, &o)
		return
	}
	mSuccess.Inc()
	writeJSONData(ctx, appendBalance(nil, c, true))
}

// serveRESTRate is GET /secure/rate?to=… (a POST may carry a JSON body).
func (s *Server) serveRESTRate(ctx *fasthttp.RequestCtx) {
	mRequests.Inc()
	u := s.restUser(ctx)
	if u == nil {
		return
	}
	j := s.getJob()
	defer s.putJob(j)
	var err error
	for k, v := range ctx.QueryArgs().All() {
		key := restKey(string(k))
		if key == "username" || key == "password" {
			continue
		}
		j.args = append(j.args, arg{[]byte(key), v})
	}
	if body := bytes.TrimSpace(ctx.PostBody()); len(body) > 0 {
		j.args, _, err = jsonArgs(body, j.args, "")
	}
	if err == nil {
		err = j.req.parse(j.args, epRate, true)
	}
	if err != nil {
		o := refused(err)
		writeREST(ctx, &o)
		return
	}
	rate, n, o := s.rateOf(j, u.UID)
	if !o.ok() {
		writeREST(ctx, &o)
		return
	}
	mSuccess.Inc()
	writeJSONData(ctx, appendRate(nil, rate, n))
}
