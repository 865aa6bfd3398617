package jcli

import "strings"

// pad left-justifies v in n columns (Python's ljust).
func pad(v string, n int) string {
	if len(v) >= n {
		return v
	}
	return v + strings.Repeat(" ", n-len(v))
}

// row joins left-justified cells with single blanks after a "#", trailing
// blanks trimmed: the layout of Jasmin's listings.
func row(cells []string, widths []int) string {
	var b strings.Builder
	b.WriteByte('#')
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i < len(widths) {
			b.WriteString(pad(c, widths[i]))
		} else {
			b.WriteString(c)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// tabulate lays out a table as Python's tabulate does with tablefmt
// "plain" (Jasmin's stats): each column as wide as its widest cell and
// at least its header plus two, columns two blanks apart, everything left
// aligned; trailing blanks trimmed.
func tabulate(headers []string, rows [][]string) []string {
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = len(h) + 2
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) && len(c) > widths[i] {
				widths[i] = len(c)
			}
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(pad(c, widths[i]))
		}
		return strings.TrimRight(b.String(), " ")
	}
	out := make([]string, 0, len(rows)+1)
	out = append(out, line(headers))
	for _, r := range rows {
		out = append(out, line(r))
	}
	return out
}
