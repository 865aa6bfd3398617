package junebug

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/gwd-project/gwd/store"
)

// timestampLayout is Junebug's (vumi's) timestamp: UTC, microseconds.
const timestampLayout = "2006-01-02 15:04:05.000000"

func appendTimestamp(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, timestampLayout)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendNullable appends s as a JSON string, or null when it is empty.
func appendNullable(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendJSONString(dst, s)
}

// appendStringMap appends m as a JSON object, keys sorted.
func appendStringMap(dst []byte, m map[string]string) []byte {
	dst = append(dst, '{')
	if len(m) > 0 {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, m[k])
		}
	}
	return append(dst, '}')
}

// appendEvent appends the JSON Junebug posts to event_url: event_type,
// message_id, channel_id, timestamp, event_details.
func appendEvent(dst []byte, msgID, channelID string, ev *store.Event) []byte {
	dst = append(dst, `{"event_type":`...)
	dst = appendJSONString(dst, eventType(ev.Type))
	dst = append(dst, `,"message_id":`...)
	dst = appendJSONString(dst, msgID)
	dst = append(dst, `,"channel_id":`...)
	dst = appendJSONString(dst, channelID)
	dst = append(dst, `,"timestamp":`...)
	dst = append(dst, '"')
	dst = appendTimestamp(dst, ev.At)
	dst = append(dst, '"')
	dst = append(dst, `,"event_details":{`...)
	var d [4]detail
	for i, f := range eventDetails(ev, &d) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, f.name)
		dst = append(dst, ':')
		dst = appendJSONString(dst, f.value)
	}
	return append(dst, "}}"...)
}

// inbound is an MO message as Junebug posts it to mo_url.
type inbound struct {
	id, channelID, from, to string
	content                 string
	hasContent              bool
	at                      time.Time
	dataCoding              byte
	binary                  string // hex, when the content is not text
}

// appendInbound appends the JSON Junebug posts to mo_url: message_id,
// channel_id, from, to, content, timestamp, reply_to and channel_data.
func appendInbound(dst []byte, m *inbound) []byte {
	dst = append(dst, `{"message_id":`...)
	dst = appendJSONString(dst, m.id)
	dst = append(dst, `,"channel_id":`...)
	dst = appendJSONString(dst, m.channelID)
	dst = append(dst, `,"from":`...)
	dst = appendNullable(dst, m.from)
	dst = append(dst, `,"to":`...)
	dst = appendNullable(dst, m.to)
	dst = append(dst, `,"content":`...)
	if m.hasContent {
		dst = appendJSONString(dst, m.content)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"timestamp":"`...)
	dst = appendTimestamp(dst, m.at)
	dst = append(dst, `","reply_to":null,"channel_data":{"data_coding":`...)
	if m.dataCoding >= 100 {
		dst = append(dst, '0'+m.dataCoding/100)
	}
	if m.dataCoding >= 10 {
		dst = append(dst, '0'+m.dataCoding/10%10)
	}
	dst = append(dst, '0'+m.dataCoding%10)
	if m.binary != "" {
		dst = append(dst, `,"binary":`...)
		dst = appendJSONString(dst, m.binary)
	}
	return append(dst, "}}"...)
}

// statusEvent is one component's status as Junebug posts it to
// status_url and shows it in the channel's status.components.
type statusEvent struct {
	Component string            `json:"component"`
	ChannelID string            `json:"channel_id"`
	Status    string            `json:"status"`
	Type      string            `json:"type"`
	Message   string            `json:"message"`
	Details   map[string]string `json:"details"`
	Timestamp string            `json:"timestamp"`
}

func appendStatus(dst []byte, e *statusEvent) []byte {
	dst = append(dst, `{"component":`...)
	dst = appendJSONString(dst, e.Component)
	dst = append(dst, `,"channel_id":`...)
	dst = appendJSONString(dst, e.ChannelID)
	dst = append(dst, `,"status":`...)
	dst = appendJSONString(dst, e.Status)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, e.Type)
	dst = append(dst, `,"message":`...)
	dst = appendJSONString(dst, e.Message)
	dst = append(dst, `,"details":`...)
	dst = appendStringMap(dst, e.Details)
	dst = append(dst, `,"timestamp":`...)
	dst = appendJSONString(dst, e.Timestamp)
	return append(dst, '}')
}
