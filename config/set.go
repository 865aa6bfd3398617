package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// The schema is Config's struct tags: a section is a field of Config, a key
// a field of the section's struct. These helpers walk it by reflection so
// that Set, strict loading and the tests share one source of truth.

var configType = reflect.TypeFor[Config]()

// sectionNames lists the sections in declaration order.
func sectionNames() []string {
	names := make([]string, configType.NumField())
	for i := range names {
		names[i] = tomlName(configType.Field(i))
	}
	return names
}

// keyNames lists the keys of a section in declaration order, or nil when
// the section does not exist.
func keyNames(section string) []string {
	f, ok := fieldByTag(configType, section)
	if !ok {
		return nil
	}
	names := make([]string, f.Type.NumField())
	for i := range names {
		names[i] = tomlName(f.Type.Field(i))
	}
	return names
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); tomlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// lookup returns the settable value of section.key in c, or an error that
// says which part is unknown and what exists.
func (c *Config) lookup(section, key string) (reflect.Value, error) {
	sf, ok := fieldByTag(configType, section)
	if !ok {
		return reflect.Value{}, fmt.Errorf("unknown section [%s]%s (sections: %s)",
			section, suggest(section, sectionNames()), strings.Join(sectionNames(), ", "))
	}
	kf, ok := fieldByTag(sf.Type, key)
	if !ok {
		return reflect.Value{}, fmt.Errorf("unknown key %q in section [%s]%s (keys: %s)",
			key, section, suggest(key, keyNames(section)), strings.Join(keyNames(section), ", "))
	}
	return reflect.ValueOf(c).Elem().FieldByIndex(sf.Index).FieldByIndex(kf.Index), nil
}

// Set sets one value from its text, as given to cmd/gwd's -set flag: key is
// "section.key" (e.g. "smpp-server.port"), value is the bare value (a
// string needs no quotes; booleans take true/false, True/False, 1/0; a list
// of networks takes comma-separated items, "" or [] for none).
// It does not validate the result: call Validate after the last Set.
func (c *Config) Set(key, value string) error {
	section, name, ok := strings.Cut(key, ".")
	if !ok || section == "" || name == "" {
		return fmt.Errorf("config key %q: want section.key, e.g. smpp-server.port", key)
	}
	fv, err := c.lookup(section, name)
	if err != nil {
		return err
	}
	bad := func(what string) error {
		return &FieldError{Section: section, Key: name, Problem: fmt.Sprintf("%q is not %s", value, what)}
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(value)
	case reflect.Int:
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 0)
		if err != nil {
			return bad("an integer")
		}
		fv.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return bad("a boolean (true or false)")
		}
		fv.SetBool(b)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || math.IsNaN(f) {
			return bad("a number")
		}
		fv.SetFloat(f)
	case reflect.Slice:
		if fv.Type() != reflect.TypeFor[[]Network]() {
			panic(fmt.Sprintf("config: Set does not handle %s.%s of type %s", section, name, fv.Type()))
		}
		nets, err := setNetworks(value)
		if err != nil {
			return &FieldError{Section: section, Key: name, Problem: err.Error()}
		}
		fv.Set(reflect.ValueOf(nets))
	default:
		// Only reachable if someone adds a field of a new kind.
		panic(fmt.Sprintf("config: Set does not handle %s.%s of kind %s", section, name, fv.Kind()))
	}
	return nil
}

// SetOverride applies one "section.key=value" override.
func (c *Config) SetOverride(kv string) error {
	key, value, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("-set %q: want section.key=value, e.g. smpp-server.port=2775", kv)
	}
	if err := c.Set(strings.TrimSpace(key), value); err != nil {
		return fmt.Errorf("-set %s: %w", kv, err)
	}
	return nil
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, when
// one is close enough, or "".
func suggest(name string, candidates []string) string {
	// Suggest within an edit distance of 2, and of half the name's length
	// (so that "foo" does not suggest "log").
	best, bestDist := "", min(3, len(name)/2+1)
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return fmt.Sprintf(" (did you mean %q?)", c)
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
