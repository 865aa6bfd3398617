package router

import "strings"

// Jasmin's class names of route and interceptor types: each set of names
// is an array indexed by the type's value, index 0 unused.

// parseTypeName reads one of names in any case, spaces around ignored.
func parseTypeName[T ~uint8](s string, names []string) (T, bool) {
	s = strings.TrimSpace(s)
	for i := 1; i < len(names); i++ {
		if strings.EqualFold(s, names[i]) {
			return T(i), true
		}
	}
	return 0, false
}

// typeList names types for a message: "DefaultRoute, StaticMTRoute".
func typeList[T interface{ String() string }](types []T) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}
