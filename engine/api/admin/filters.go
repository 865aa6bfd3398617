package admin

import (
	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
)

type filterView struct {
	FID         string            `json:"fid"`
	Type        string            `json:"type"`
	Routes      []string          `json:"routes"` // "MO", "MT": the tables that may use it
	Description string            `json:"description"`
	Parameters  map[string]string `json:"parameters"`
}

func viewFilter(f router.Filter) filterView {
	mo, mt := f.UsedFor()
	routes := []string{}
	if mo {
		routes = append(routes, "MO")
	}
	if mt {
		routes = append(routes, "MT")
	}
	p := f.Params()
	if p == nil {
		p = map[string]string{}
	}
	return filterView{FID: f.ID(), Type: f.Type(), Routes: routes, Description: f.Describe(), Parameters: p}
}

func (s *Server) filter(fid string) (router.Filter, error) {
	f, ok := s.m.Filters().Get(fid)
	if !ok {
		return nil, notFound("unknown filter " + fid)
	}
	return f, nil
}

func (s *Server) listFilters(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := []filterView{}
	for _, f := range s.m.Filters().All() {
		out = append(out, viewFilter(f))
	}
	return fasthttp.StatusOK, map[string]any{"filters": out, "total": len(out)}, nil
}

func (s *Server) getFilter(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	f, err := s.filter(a[0])
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, viewFilter(f), nil
}

// createFilter adds a filter: {"type": …, "fid": …} and the type's
// parameters by their jCli names (filter -a).
func (s *Server) createFilter(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	o, err := decodeObject(ctx.PostBody(), "")
	if err != nil {
		return 0, nil, err
	}
	p, err := params(o, "")
	if err != nil {
		return 0, nil, err
	}
	typ, ok := p["type"]
	if !ok {
		return 0, nil, badField("type", "missing")
	}
	fid, ok := p["fid"]
	if !ok {
		return 0, nil, badField("fid", "missing")
	}
	delete(p, "type")
	delete(p, "fid")
	var f router.Filter
	err = s.m.Do(func(tx *manage.Tx) error {
		if _, exists := s.m.Filters().Get(fid); exists {
			return conflict("fid", "filter "+fid+" already exists")
		}
		var err error
		if f, err = router.NewFilter(typ, fid, p); err != nil {
			return err
		}
		if err := tx.AddFilter(f); err != nil {
			return conflict("fid", err.Error())
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusCreated, viewFilter(f), nil
}

// deleteFilter removes a filter no route or interceptor uses.
func (s *Server) deleteFilter(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	err := s.m.Do(func(tx *manage.Tx) error {
		if _, err := s.filter(a[0]); err != nil {
			return err
		}
		if err := tx.RemoveFilter(a[0]); err != nil {
			return conflict("fid", toAPIError(err).msg)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusNoContent, nil, nil
}
