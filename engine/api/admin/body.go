package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// member is one key of a JSON object, in the order the body gives them.
type member struct {
	key string
	raw json.RawMessage
}

// object is a decoded JSON object whose members keep their order, so that
// the first bad field named is the first one written.
type object []member

// get returns the member key.
func (o object) get(key string) (json.RawMessage, bool) {
	for _, m := range o {
		if m.key == key {
			return m.raw, true
		}
	}
	return nil, false
}

// only refuses members other than keys.
func (o object) only(path string, keys ...string) error {
	for _, m := range o {
		known := false
		for _, k := range keys {
			if m.key == k {
				known = true
				break
			}
		}
		if !known {
			return badField(join(path, m.key), "unknown key (keys: "+strings.Join(keys, ", ")+")")
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeObject reads a JSON object: the request body (path "") or a member
// of one. Duplicate keys and anything after the object are refused.
func decodeObject(data []byte, path string) (object, error) {
	fail := func(msg string) error {
		if path == "" {
			return badField("", "invalid JSON body: "+msg)
		}
		return badField(path, msg)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		if path == "" {
			return nil, badField("", "the body must be a JSON object")
		}
		return nil, badField(path, "must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, fail(err.Error())
	}
	var o object
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fail(err.Error())
		}
		key, ok := t.(string)
		if !ok {
			return nil, fail("object key expected")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fail(err.Error())
		}
		if _, dup := o.get(key); dup {
			return nil, badField(join(path, key), "duplicate key")
		}
		o = append(o, member{key: key, raw: raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail(err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fail("data after the object")
	}
	return o, nil
}

// bodyObject reads the request body as a JSON object; an empty body is
// an empty object when empty is allowed.
func bodyObject(body []byte, empty bool) (object, error) {
	if empty && len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	return decodeObject(body, "")
}

// scalar turns a JSON value into jCli's text for it: a string as is,
// a number as written, true and false as yes and no, null as None.
// Objects and arrays are refused.
func scalar(raw json.RawMessage, field string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", badField(field, "missing value")
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", badField(field, "invalid string: "+err.Error())
		}
		return s, nil
	case 't':
		return "yes", nil
	case 'f':
		return "no", nil
	case 'n':
		return "None", nil
	case '{', '[':
		return "", badField(field, "must be a string, a number, a boolean or null")
	}
	return string(raw), nil // a number, as the decoder checked it
}

// text reads a value that must be a JSON string.
func text(raw json.RawMessage, field string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", badField(field, "must be a string")
	}
	return scalar(raw, field)
}

// boolean reads a value that must be true or false.
func boolean(raw json.RawMessage, field string) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badField(field, "must be true or false")
}

// list reads jCli's "a;b" lists (filters, connectors): a string as is, or
// an array of strings joined with ";".
func list(raw json.RawMessage, field string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return "", badField(field, "must be a string or an array of strings")
		}
		for _, it := range items {
			if strings.Contains(it, ";") {
				return "", badField(field, "an item holds ';': "+it)
			}
		}
		return strings.Join(items, ";"), nil
	}
	return scalar(raw, field)
}

// params turns an object's members into jCli parameters, every value a
// scalar (or a list for the keys in lists).
func params(o object, path string, lists ...string) (map[string]string, error) {
	m := make(map[string]string, len(o))
	for _, mb := range o {
		var v string
		var err error
		if containsFold(lists, mb.key) {
			v, err = list(mb.raw, join(path, mb.key))
		} else {
			v, err = scalar(mb.raw, join(path, mb.key))
		}
		if err != nil {
			return nil, err
		}
		m[mb.key] = v
	}
	return m, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
