package junebug

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/valyala/fasthttp"
)

// envelope is Junebug's response: the HTTP status, its reason phrase,
// a description of the outcome and the result.
type envelope struct {
	Status      int    `json:"status"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Result      any    `json:"result"`
}

// Error types, as Junebug names them in result.errors[].type.
const (
	errInvalidBody        = "invalid_body"
	errChannelNotFound    = "ChannelNotFound"
	errMessageNotFound    = "MessageNotFound"
	errMessageTooLong     = "MessageTooLong"
	errInvalidChannelType = "InvalidChannelType"
	errUnauthorized       = "Unauthorized"
	errNotFound           = "NotFound"
	errMethodNotAllowed   = "MethodNotAllowed"
	errUnavailable        = "ServiceUnavailable"
	errInternal           = "InternalError"
)

// apiError is a refused request: the HTTP status, the description, and the
// errors listed in the result.
type apiError struct {
	status int
	desc   string
	errs   []errorItem
}

type errorItem struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	if len(e.errs) == 0 {
		return e.desc
	}
	return e.desc + ": " + e.errs[0].Message
}

// usageError is Junebug's "api usage error": a body that breaks the API's
// rules. Each message names the field.
func usageError(msgs ...string) *apiError {
	e := &apiError{status: http.StatusBadRequest, desc: "api usage error"}
	for _, m := range msgs {
		e.errs = append(e.errs, errorItem{Type: errInvalidBody, Message: m})
	}
	return e
}

func usageErrorf(format string, args ...any) *apiError {
	return usageError(fmt.Sprintf(format, args...))
}

func newError(status int, desc, typ, msg string) *apiError {
	return &apiError{status: status, desc: desc, errs: []errorItem{{Type: typ, Message: msg}}}
}

func channelNotFound(id string) *apiError {
	return newError(http.StatusNotFound, "channel not found", errChannelNotFound,
		fmt.Sprintf("channel %q not found", id))
}

// writeJSON answers with the envelope around result.
func writeJSON(ctx *fasthttp.RequestCtx, status int, desc string, result any) {
	if result == nil {
		result = struct{}{}
	}
	b, err := json.Marshal(envelope{Status: status, Code: http.StatusText(status), Description: desc, Result: result})
	if err != nil {
		// Only our own result types reach here; one that does not encode
		// is a bug, reported as such.
		status = http.StatusInternalServerError
		b, _ = json.Marshal(envelope{Status: status, Code: http.StatusText(status), Description: "internal error",
			Result: map[string][]errorItem{"errors": {{Type: errInternal, Message: "response encoding: " + err.Error()}}}})
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}

// writeError answers with e's envelope.
func writeError(ctx *fasthttp.RequestCtx, e *apiError) {
	errs := e.errs
	if errs == nil {
		errs = []errorItem{}
	}
	writeJSON(ctx, e.status, e.desc, map[string][]errorItem{"errors": errs})
}
