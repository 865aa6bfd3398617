package junebug

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gwd-project/gwd/engine/thrower"
)

// Callback URLs may carry template variables, {name}, replaced when a
// request is made (Junebug's design goal, as Kannel does with its
// dlr-url): which names a URL may use depends on what it is for.
var (
	eventVars  = []string{"channel_id", "message_id", "event_type"}
	moVars     = []string{"channel_id", "message_id"}
	statusVars = []string{"channel_id", "component", "status"}
)

// tmplValues are the values of one expansion.
type tmplValues struct {
	channelID, messageID, eventType, component, status string
}

func (v *tmplValues) get(name string) string {
	switch name {
	case "channel_id":
		return v.channelID
	case "message_id":
		return v.messageID
	case "event_type":
		return v.eventType
	case "component":
		return v.component
	case "status":
		return v.status
	}
	return ""
}

// expandURL replaces the template variables of u. Values are
// query-escaped; unknown names cannot occur (checkURL refused them).
func expandURL(u string, v *tmplValues) string {
	if strings.IndexByte(u, '{') < 0 {
		return u
	}
	var b strings.Builder
	b.Grow(len(u) + 64)
	for {
		i := strings.IndexByte(u, '{')
		if i < 0 {
			b.WriteString(u)
			return b.String()
		}
		j := strings.IndexByte(u[i:], '}')
		if j < 0 {
			b.WriteString(u)
			return b.String()
		}
		b.WriteString(u[:i])
		b.WriteString(url.QueryEscape(v.get(u[i+1 : i+j])))
		u = u[i+j+1:]
	}
}

// checkURL validates a callback URL given for field: an absolute http or
// https URL with a host, whose template variables are among vars.
func checkURL(field, u string, vars []string) error {
	if u == "" {
		return fmt.Errorf("%s: must not be empty (use null for none)", field)
	}
	if len(u) > thrower.MaxURL {
		return fmt.Errorf("%s: longer than %d octets", field, thrower.MaxURL)
	}
	sample := &tmplValues{channelID: "c", messageID: "m", eventType: "e", component: "smpp", status: "ok"}
	rest := u
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("%s: template variable opened with { is not closed", field)
		}
		name := rest[i+1 : i+j]
		known := false
		for _, v := range vars {
			known = known || v == name
		}
		if !known {
			return fmt.Errorf("%s: unknown template variable {%s} (allowed: {%s})", field, name, strings.Join(vars, "}, {"))
		}
		rest = rest[i+j+1:]
	}
	p, err := url.Parse(expandURL(u, sample))
	if err != nil {
		return fmt.Errorf("%s: not a URL: %v", field, err)
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return fmt.Errorf("%s: must be an http or https URL, not %q", field, u)
	}
	if p.Host == "" {
		return fmt.Errorf("%s: URL %q has no host", field, u)
	}
	if err := thrower.CheckURL(expandURL(u, sample)); err != nil {
		return fmt.Errorf("%s: %q is not a URL callbacks can be sent to", field, u)
	}
	return nil
}
