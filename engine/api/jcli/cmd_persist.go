package jcli

// persistModules are the lines persist and load print, in the manual's
// order.
var persistModules = []string{"mtrouter", "smppcc", "group", "user", "httpcc", "mointerceptor", "filter",
	"mtinterceptor", "morouter"}

// persistOrLoad is `persist [-p PROFILE]` and `load [-p PROFILE]`.
func (s *session) persistOrLoad(list []option, arg string, persist bool) {
	name := "load"
	if persist {
		name = "persist"
	}
	o, err := parseOpts(list, arg)
	if err != nil {
		s.println(err.Error())
		s.println(formatHelp(name, list))
		return
	}
	profile := o.get("profile")
	srv := s.srv
	if persist {
		err = srv.m.Persist(profile)
	} else {
		// The loaded users take their balance and sms_count from the
		// store's counters, the ledger.
		err = srv.m.Load(profile)
	}
	for _, m := range persistModules {
		switch {
		case err != nil && persist:
			s.println("Failed to persist " + m + " configuration (profile:" + profile + ")")
		case err != nil:
			s.println("Failed to load " + m + " configuration (profile:" + profile + ")")
		case persist:
			s.println(m + " configuration persisted (profile:" + profile + ")")
		default:
			s.println(m + " configuration loaded (profile:" + profile + ")")
		}
	}
	if err != nil {
		s.println("Error: " + err.Error())
		srv.log.Warn(name+" failed", "profile", profile, "err", err)
		return
	}
	srv.log.Info(name, "sref", s.ref, "profile", profile)
}
