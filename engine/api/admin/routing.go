package admin

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
)

func filterIDs(fs []router.Filter) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID()
	}
	return out
}

func parseOrder(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > router.MaxRouteOrder {
		return 0, notFound("no such order " + strconv.Quote(s) + " (an order is an integer ≥ 0)")
	}
	return n, nil
}

// orderedBody reads a route or interceptor body; for PUT, the order comes
// from the path and a different one in the body is refused.
func orderedBody(body []byte, pathOrder *int, lists ...string) (map[string]string, error) {
	o, err := decodeObject(body, "")
	if err != nil {
		return nil, err
	}
	p, err := params(o, "", lists...)
	if err != nil {
		return nil, err
	}
	if pathOrder != nil {
		want := strconv.Itoa(*pathOrder)
		for k, v := range p {
			if strings.EqualFold(k, "order") && strings.TrimSpace(v) != want {
				return nil, badField("order", "the body's order "+v+" is not the path's "+want)
			}
		}
		p["order"] = want
	}
	return p, nil
}

// tableAPI serves one direction's routes (/admin/mtroutes …) or
// interceptors (/admin/mointerceptors …): ordered tables with the same
// endpoints.
type tableAPI struct {
	s     *Server
	d     router.Direction
	noun  string   // route, interceptor
	lists []string // body keys that take lists
	// views are the table's objects as the API shows them.
	views func() []any
	// view is the object at order.
	view func(order int) (any, bool)
	// build makes the object a body describes: its order, and the change
	// that puts it in the table.
	build    func(p map[string]string) (int, func(tx *manage.Tx) error, error)
	removeAt func(tx *manage.Tx, order int) error
	flushTx  func(tx *manage.Tx) int
}

type routeView struct {
	Order       int         `json:"order"`
	Type        string      `json:"type"`
	Connectors  []string    `json:"connectors"`
	Filters     []string    `json:"filters"`
	Rate        json.Number `json:"rate,omitempty"` // MT only
	Description string      `json:"description"`
}

// routeAPI serves direction d's routes.
func routeAPI(s *Server, d router.Direction) *tableAPI {
	view := func(rt *router.Route) any {
		v := routeView{Order: rt.Order, Type: rt.Type.String(), Connectors: rt.ConnectorLabels(),
			Filters: filterIDs(rt.Filters), Description: rt.Show()}
		if d == router.MT {
			v.Rate = json.Number(rt.Rate.String())
		}
		return v
	}
	return &tableAPI{s: s, d: d, noun: "route", lists: []string{"filters", "connectors"},
		views: func() []any {
			out := []any{}
			for _, rt := range s.m.Routes(d) {
				out = append(out, view(rt))
			}
			return out
		},
		view: func(order int) (any, bool) {
			rt, ok := s.m.Route(d, order)
			if !ok {
				return nil, false
			}
			return view(rt), true
		},
		build: func(p map[string]string) (int, func(tx *manage.Tx) error, error) {
			rt, err := router.BuildRoute(d, p, s.m.Filters())
			if err != nil {
				return 0, nil, err
			}
			return rt.Order, func(tx *manage.Tx) error { return tx.PutRoute(d, rt) }, nil
		},
		removeAt: func(tx *manage.Tx, order int) error { return tx.RemoveRoute(d, order) },
		flushTx:  func(tx *manage.Tx) int { return tx.FlushRoutes(d) },
	}
}

type interceptorView struct {
	Order       int      `json:"order"`
	Type        string   `json:"type"`
	Filters     []string `json:"filters"`
	Script      string   `json:"script"`
	Description string   `json:"description"`
}

func viewInterceptor(ic *router.Interceptor) any {
	return interceptorView{Order: ic.Order, Type: ic.Type.String(), Filters: filterIDs(ic.Filters),
		Script: ic.Source(), Description: ic.Show()}
}

// interceptorAPI serves direction d's interceptors.
func interceptorAPI(s *Server, d router.Direction) *tableAPI {
	return &tableAPI{s: s, d: d, noun: "interceptor", lists: []string{"filters"},
		views: func() []any {
			out := []any{}
			for _, ic := range s.m.Interceptors(d) {
				out = append(out, viewInterceptor(ic))
			}
			return out
		},
		view: func(order int) (any, bool) {
			ic, ok := s.m.Interceptor(d, order)
			if !ok {
				return nil, false
			}
			return viewInterceptor(ic), true
		},
		build: func(p map[string]string) (int, func(tx *manage.Tx) error, error) {
			ic, err := router.BuildInterceptor(d, p, s.m.Filters())
			if err != nil {
				return 0, nil, err
			}
			return ic.Order, func(tx *manage.Tx) error { return tx.PutInterceptor(d, ic) }, nil
		},
		removeAt: func(tx *manage.Tx, order int) error { return tx.RemoveInterceptor(d, order) },
		flushTx:  func(tx *manage.Tx) int { return tx.FlushInterceptors(d) },
	}
}

func (t *tableAPI) notFound(order int) error {
	return notFound(fmt.Sprintf("no %s %s at order %d", t.d, t.noun, order))
}

func (t *tableAPI) list(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := t.views()
	return fasthttp.StatusOK, map[string]any{t.noun + "s": out, "total": len(out)}, nil
}

func (t *tableAPI) get(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	v, ok := t.view(order)
	if !ok {
		return 0, nil, t.notFound(order)
	}
	return fasthttp.StatusOK, v, nil
}

func (t *tableAPI) create(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	return t.add(ctx.PostBody(), nil)
}

// put adds or replaces the object at the path's order.
func (t *tableAPI) put(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	return t.add(ctx.PostBody(), &order)
}

func (t *tableAPI) add(body []byte, pathOrder *int) (int, any, error) {
	p, err := orderedBody(body, pathOrder, t.lists...)
	if err != nil {
		return 0, nil, err
	}
	status := fasthttp.StatusCreated
	var order int
	err = t.s.m.Do(func(tx *manage.Tx) error {
		var put func(tx *manage.Tx) error
		var err error
		if order, put, err = t.build(p); err != nil {
			return err
		}
		if _, exists := t.view(order); exists {
			if pathOrder == nil {
				return conflict("order", fmt.Sprintf("a %s %s has order %d already (PUT replaces it)", t.d, t.noun, order))
			}
			status = fasthttp.StatusOK
		}
		return put(tx)
	})
	if err != nil {
		return 0, nil, err
	}
	v, _ := t.view(order)
	return status, v, nil
}

func (t *tableAPI) remove(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	err = t.s.m.Do(func(tx *manage.Tx) error {
		if _, ok := t.view(order); !ok {
			return t.notFound(order)
		}
		return t.removeAt(tx, order)
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusNoContent, nil, nil
}

// flush removes every object of the table (mtrouter -f).
func (t *tableAPI) flush(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	n := 0
	if err := t.s.m.Do(func(tx *manage.Tx) error { n = t.flushTx(tx); return nil }); err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, map[string]any{"flushed": n}, nil
}
