package jcli

import (
	"fmt"
	"strings"
)

// option is one command-line option of a command, as Jasmin declares it
// with optparse: a short form (may be empty), a long form, a metavar when
// it takes a value, and its help.
type option struct {
	short, long string // "-l", "--list"
	metavar     string // "UID"; empty for a flag
	help        string
	def         string // default value (persist/load -p)
}

// name is the option's key in parsed results: its long form without
// dashes.
func (o *option) name() string { return strings.TrimPrefix(o.long, "--") }

// opts are the parsed options of one command line.
type opts struct {
	set  map[string]string // option name → value ("" for flags)
	args string            // what is left: positional arguments
}

func (p opts) has(name string) bool { _, ok := p.set[name]; return ok }

func (p opts) get(name string) string { return p.set[name] }

// optError is a command line optparse would refuse.
type optError struct{ msg string }

func (e *optError) Error() string { return e.msg }

// parseOpts reads a command's arguments with optparse's rules: short
// options (-l, -u UID, -uUID, clustered flags -la), long options
// (--list, --update=UID, --update UID, and unambiguous prefixes such as
// --upd), positional arguments anywhere, "--" ending the options.
func parseOpts(list []option, arg string) (opts, error) {
	res := opts{set: map[string]string{}}
	for i := range list {
		if list[i].def != "" {
			res.set[list[i].name()] = list[i].def
		}
	}
	words := strings.Fields(arg)
	var rest []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--":
			rest = append(rest, words[i+1:]...)
			i = len(words)
		case strings.HasPrefix(w, "--"):
			name, val, hasVal := strings.Cut(w, "=")
			o, err := longOption(list, name)
			if err != nil {
				return res, err
			}
			if o.metavar == "" {
				if hasVal {
					return res, &optError{o.long + " option does not take a value"}
				}
				res.set[o.name()] = ""
				continue
			}
			if !hasVal {
				if i+1 >= len(words) {
					return res, &optError{o.long + " option requires an argument"}
				}
				i++
				val = words[i]
			}
			res.set[o.name()] = val
		case len(w) > 1 && w[0] == '-':
			for j := 1; j < len(w); j++ {
				o := shortOption(list, "-"+w[j:j+1])
				if o == nil {
					return res, &optError{"no such option: -" + w[j:j+1]}
				}
				if o.metavar == "" {
					res.set[o.name()] = ""
					continue
				}
				val := w[j+1:]
				if val == "" {
					if i+1 >= len(words) {
						return res, &optError{o.short + " option requires an argument"}
					}
					i++
					val = words[i]
				}
				res.set[o.name()] = val
				break
			}
		default:
			rest = append(rest, w)
		}
	}
	res.args = strings.Join(rest, " ")
	return res, nil
}

func shortOption(list []option, s string) *option {
	for i := range list {
		if list[i].short == s {
			return &list[i]
		}
	}
	return nil
}

func longOption(list []option, s string) (*option, error) {
	var found []*option
	for i := range list {
		if list[i].long == s {
			return &list[i], nil
		}
		if strings.HasPrefix(list[i].long, s) {
			found = append(found, &list[i])
		}
	}
	switch len(found) {
	case 0:
		return nil, &optError{"no such option: " + s}
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, o := range found {
		names[i] = o.long
	}
	return nil, &optError{fmt.Sprintf("ambiguous option: %s (%s?)", s, strings.Join(names, ", "))}
}

// Help layout, as optparse formats it: options indented by 2, help text
// at column 24, wrapped at 78 columns.
const (
	helpIndent   = 2
	helpPosition = 24
	helpWidth    = 78
)

// formatHelp is optparse's format_help for a command: the usage line,
// a blank line and the options.
func formatHelp(cmd string, list []option) string {
	var b strings.Builder
	b.WriteString("Usage: " + cmd + " [options]\n\nOptions:")
	for i := range list {
		o := &list[i]
		var forms []string
		if o.short != "" {
			if o.metavar != "" {
				forms = append(forms, o.short+" "+o.metavar)
			} else {
				forms = append(forms, o.short)
			}
		}
		if o.metavar != "" {
			forms = append(forms, o.long+"="+o.metavar)
		} else {
			forms = append(forms, o.long)
		}
		head := strings.Repeat(" ", helpIndent) + strings.Join(forms, ", ")
		lines := wrapWords(o.help, helpWidth-helpPosition)
		b.WriteString("\n")
		if len(head) <= helpPosition-2 {
			b.WriteString(head + strings.Repeat(" ", helpPosition-len(head)))
		} else {
			b.WriteString(head + "\n" + strings.Repeat(" ", helpPosition))
		}
		for j, l := range lines {
			if j > 0 {
				b.WriteString("\n" + strings.Repeat(" ", helpPosition))
			}
			b.WriteString(l)
		}
	}
	return b.String()
}

// wrapWords splits s into lines of at most width columns at blanks.
func wrapWords(s string, width int) []string {
	var out []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) <= width:
			cur += " " + w
		default:
			out = append(out, cur)
			cur = w
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
