package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// LoadWith reads the TOML file at path over Default(), applies overrides,
// each "section.key=value" as given to cmd/gwd's -set flag, and validates
// the result. An empty path starts from Default() without reading a file.
// Keys the file leaves out keep their defaults. The file is decoded
// strictly: an unknown section or key, or one spelt with different case, is
// an error naming the file, its line and the key. Syntax and type errors
// name the file and line; invalid values are a *ValidationError whose lines
// start with the file name and name the section and key.
func LoadWith(path string, overrides []string) (Config, error) {
	c := Default()
	source := "built-in defaults"
	if path != "" {
		var err error
		if c, err = decodeFile(path); err != nil {
			return Config{}, err
		}
		source = path
	}
	for _, o := range overrides {
		if err := c.SetOverride(o); err != nil {
			return Config{}, err
		}
	}
	if len(overrides) > 0 {
		source += " with -set overrides"
	}
	if err := c.Validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			ve.Source = source
		}
		return Config{}, err
	}
	return c, nil
}

// decodeFile decodes path over Default() and rejects unknown keys.
func decodeFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return decode(path, string(data))
}

// decode decodes data, read from path, over Default() and rejects unknown
// keys; path only names the file in errors.
func decode(path, data string) (Config, error) {
	c := Default()
	md, err := toml.Decode(data, &c)
	if err != nil {
		return Config{}, decodeError(path, data, err)
	}
	if err := strict(path, data, md); err != nil {
		return Config{}, err
	}
	return c, nil
}

// The toml package reports type mismatches as plain errors of the form
// `toml: line N (last key "a.b"): message`, the line being optional.
var tomlKeyErr = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)$`)

func decodeError(path, data string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := fmt.Sprintf("%s:%d:%d: %s", path, pe.Position.Line, pe.Position.Col, pe.Message)
		if pe.LastKey != "" {
			msg += fmt.Sprintf(" (key %s)", pe.LastKey)
		}
		return errors.New(msg)
	}
	if m := tomlKeyErr.FindStringSubmatch(err.Error()); m != nil {
		line := m[1]
		if line == "" {
			if n := lineOf(data, splitKey(m[2])); n > 0 {
				line = strconv.Itoa(n)
			}
		}
		if line == "" {
			return fmt.Errorf("%s: %s (key %s)", path, m[3], m[2])
		}
		return fmt.Errorf("%s:%s: %s (key %s)", path, line, m[3], m[2])
	}
	return fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "toml: "))
}

// strict reports every key of the file that is not exactly a section of
// Config or a key of one: what toml left undecoded, and what it matched
// only case-insensitively (toml accepts "Port" for "port").
func strict(path, data string, md toml.MetaData) error {
	undecoded := make(map[string]bool)
	for _, k := range md.Undecoded() {
		undecoded[k.String()] = true
	}
	var problems []string
	var reported []toml.Key
	under := func(k toml.Key) bool { // k lies under an already reported key
		for _, r := range reported {
			if len(k) > len(r) && equalKeys(k[:len(r)], r) {
				return true
			}
		}
		return false
	}
	for _, k := range md.Keys() {
		if under(k) {
			continue
		}
		var problem string
		switch {
		case len(k) == 1 && !isTable(md.Type(k...)) && !isSection(k[0]):
			problem = fmt.Sprintf("unknown key %q outside any section (keys go under a [section]: %s)",
				k[0], strings.Join(sectionNames(), ", "))
		case len(k) == 1 && !isSection(k[0]):
			problem = fmt.Sprintf("unknown section [%s]%s (sections: %s)",
				k[0], suggest(k[0], sectionNames()), strings.Join(sectionNames(), ", "))
		case len(k) == 2 && !isKey(k[0], k[1]):
			problem = fmt.Sprintf("unknown key %q in section [%s]%s", k[1], k[0], suggest(k[1], keyNames(k[0])))
		case len(k) > 2, undecoded[k.String()]:
			problem = fmt.Sprintf("unknown key %s", k)
		default:
			continue
		}
		reported = append(reported, k)
		if line := lineOf(data, k); line > 0 {
			problems = append(problems, fmt.Sprintf("%s:%d: %s", path, line, problem))
		} else {
			problems = append(problems, fmt.Sprintf("%s: %s", path, problem))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "\n"))
}

func isTable(tomlType string) bool { return tomlType == "Hash" || tomlType == "ArrayHash" }

func isSection(name string) bool { return keyNames(name) != nil }

func isKey(section, key string) bool {
	for _, k := range keyNames(section) {
		if k == key {
			return true
		}
	}
	return false
}

func equalKeys(a, b toml.Key) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lineOf finds the first line that defines key (or something under it): a
// [table] header or a key = value line. It is a best-effort scan for error
// messages (it does not handle quoted keys containing dots, or multi-line
// strings), and returns 0 when it finds nothing.
func lineOf(data string, key toml.Key) int {
	var table []string
	hasPrefix := func(path []string) bool {
		if len(path) < len(key) {
			return false
		}
		for i := range key {
			if path[i] != key[i] {
				return false
			}
		}
		return true
	}
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			end := strings.LastIndexByte(line, ']')
			if end < 0 {
				continue
			}
			table = splitKey(strings.Trim(line[:end], "[] \t"))
			if hasPrefix(table) {
				return i + 1
			}
		default:
			lhs, _, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			path := append(append([]string(nil), table...), splitKey(lhs)...)
			if hasPrefix(path) {
				return i + 1
			}
		}
	}
	return 0
}

func splitKey(s string) []string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return parts
}
