package jcli

import (
	"regexp"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
)

// interceptors describes direction d's interception table
// (mtinterceptor, mointerceptor).
func interceptors(d dir) *ordered {
	var names []string
	for _, t := range router.InterceptorTypesFor(d.d) {
		names = append(names, t.String())
	}
	return &ordered{dir: d, noun: "Interceptor", command: "interceptor", table: "interception table",
		class: "jasmin.routing.Interceptors.", defName: "DefaultInterceptor", typeNames: names,
		parseType: func(arg string) (string, bool, bool) {
			t, ok := router.ParseInterceptorType(arg)
			if !ok || (t.Direction() != 0 && t.Direction() != d.d) {
				return "", false, false
			}
			return t.String(), t == router.InterceptorDefault, true
		},
		args: func(isDefault bool, _ string) []string {
			if isDefault {
				return []string{"script"}
			}
			return []string{"filters", "script"}
		},
		setArg: func(s *session, key, arg string) (string, bool) { return scriptArg(s, d, arg) },
		list:   func(s *session) { s.lines(s.srv.m.InterceptorListLines(d.d)) },
		show: func(m *manage.Manager, order int) (string, bool) {
			ic, ok := m.Interceptor(d.d, order)
			if !ok {
				return "", false
			}
			return ic.Show(), true
		},
		build: func(m *manage.Manager, params map[string]string) (func(tx *manage.Tx) error, error) {
			ic, err := router.BuildInterceptor(d.d, params, m.Filters())
			return func(tx *manage.Tx) error { return tx.PutInterceptor(d.d, ic) }, err
		},
		remove: func(tx *manage.Tx, order int) error { return tx.RemoveInterceptor(d.d, order) },
		flush:  func(tx *manage.Tx) int { return tx.FlushInterceptors(d.d) },
	}
}

var typedScript = regexp.MustCompile(`^(?i:python3)\((.+)\)$`)

// scriptArg checks an interceptor's script: its syntax, then the file is
// read and compiled now, so that the error comes with the line.
func scriptArg(s *session, d dir, arg string) (string, bool) {
	if !typedScript.MatchString(arg) {
		s.println("Invalid syntax for script, must be python3(/path/to/script).")
		return "", false
	}
	if _, err := router.BuildInterceptor(d.d, map[string]string{
		"type": router.InterceptorDefault.String(), "script": arg}, s.srv.m.Filters()); err != nil {
		s.errLine(err)
		return "", false
	}
	return arg, true
}
