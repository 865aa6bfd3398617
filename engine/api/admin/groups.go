package admin

import (
	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
)

type groupView struct {
	GID     string `json:"gid"`
	Enabled bool   `json:"enabled"`
	Users   int    `json:"users"`
}

func (s *Server) viewGroup(g router.Group) groupView {
	return groupView{GID: g.GID, Enabled: g.Enabled, Users: len(s.m.Accounts().Users(g.GID))}
}

func (s *Server) group(gid string) (router.Group, error) {
	g, ok := s.m.Accounts().Group(gid)
	if !ok {
		return g, notFound("unknown group " + gid)
	}
	return g, nil
}

func (s *Server) listGroups(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := []groupView{}
	for _, g := range s.m.Accounts().Groups() {
		out = append(out, s.viewGroup(g))
	}
	return fasthttp.StatusOK, map[string]any{"groups": out, "total": len(out)}, nil
}

func (s *Server) getGroup(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	g, err := s.group(a[0])
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, s.viewGroup(g), nil
}

func (s *Server) createGroup(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	o, err := decodeObject(ctx.PostBody(), "")
	if err != nil {
		return 0, nil, err
	}
	if err := o.only("", "gid", "enabled"); err != nil {
		return 0, nil, err
	}
	raw, ok := o.get("gid")
	if !ok {
		return 0, nil, badField("gid", "missing")
	}
	gid, err := text(raw, "gid")
	if err != nil {
		return 0, nil, err
	}
	enabled := true
	if raw, ok := o.get("enabled"); ok {
		if enabled, err = boolean(raw, "enabled"); err != nil {
			return 0, nil, err
		}
	}
	err = s.m.Do(func(tx *manage.Tx) error {
		if err := tx.AddGroup(gid); err != nil {
			return err
		}
		if !enabled {
			return tx.SetGroupEnabled(gid, false)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	g, _ := s.m.Accounts().Group(gid)
	return fasthttp.StatusCreated, s.viewGroup(g), nil
}

func (s *Server) deleteGroup(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	err := s.m.Do(func(tx *manage.Tx) error {
		if _, err := s.group(a[0]); err != nil {
			return err
		}
		return tx.RemoveGroup(a[0])
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusNoContent, nil, nil
}

func (s *Server) enableGroup(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.toggleGroup(a[0], true)
}

func (s *Server) disableGroup(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.toggleGroup(a[0], false)
}

func (s *Server) toggleGroup(gid string, on bool) (int, any, error) {
	err := s.m.Do(func(tx *manage.Tx) error {
		if _, err := s.group(gid); err != nil {
			return err
		}
		return tx.SetGroupEnabled(gid, on)
	})
	if err != nil {
		return 0, nil, err
	}
	g, _ := s.m.Accounts().Group(gid)
	return fasthttp.StatusOK, s.viewGroup(g), nil
}
