package admin

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/router"
)

// routeTable is MTTable or MOTable.
type routeTable interface {
	Add(route *router.Route, known router.KnownConnector) error
	Get(order int) (*router.Route, bool)
	Remove(order int) error
	Flush()
	Routes() []*router.Route
}

// interceptorTable is MTInterceptorTable or MOInterceptorTable.
type interceptorTable interface {
	Add(ic *router.Interceptor) error
	Get(order int) (*router.Interceptor, bool)
	Remove(order int) error
	Flush()
	Interceptors() []*router.Interceptor
}

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

// routeAPI serves /admin/mtroutes or /admin/moroutes.
type routeAPI struct {
	s *Server
	d router.Direction
}

type routeView struct {
	Order       int         `json:"order"`
	Type        string      `json:"type"`
	Connectors  []string    `json:"connectors"`
	Filters     []string    `json:"filters"`
	Rate        json.Number `json:"rate,omitempty"` // MT only
	Description string      `json:"description"`
}

func (r *routeAPI) table() routeTable {
	if r.d == router.MT {
		return r.s.b.MTTable()
	}
	return r.s.b.MOTable()
}

func (r *routeAPI) view(rt *router.Route) routeView {
	v := routeView{Order: rt.Order, Type: rt.Type.String(), Connectors: rt.ConnectorLabels(),
		Filters: filterIDs(rt.Filters), Description: rt.Show()}
	if r.d == router.MT {
		v.Rate = json.Number(rt.Rate.Decimal())
	}
	return v
}

func (r *routeAPI) list(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := []routeView{}
	for _, rt := range r.table().Routes() {
		out = append(out, r.view(rt))
	}
	return fasthttp.StatusOK, map[string]any{"routes": out, "total": len(out)}, nil
}

func (r *routeAPI) get(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	rt, ok := r.table().Get(order)
	if !ok {
		return 0, nil, notFound(fmt.Sprintf("no %s route at order %d", r.d, order))
	}
	return fasthttp.StatusOK, r.view(rt), nil
}

func (r *routeAPI) create(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	return r.add(ctx.PostBody(), nil)
}

// put adds or replaces the route at the path's order.
func (r *routeAPI) put(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	return r.add(ctx.PostBody(), &order)
}

func (r *routeAPI) add(body []byte, pathOrder *int) (int, any, error) {
	p, err := orderedBody(body, pathOrder, "filters", "connectors")
	if err != nil {
		return 0, nil, err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, err := router.BuildRoute(r.d, p, s.b.Filters())
	if err != nil {
		return 0, nil, err
	}
	t := r.table()
	old, exists := t.Get(rt.Order)
	if exists && pathOrder == nil {
		return 0, nil, conflict("order", fmt.Sprintf("a %s route has order %d already (PUT replaces it)", r.d, rt.Order))
	}
	if err := t.Add(rt, s.b.Known); err != nil {
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		if exists {
			_ = t.Add(old, nil)
		} else {
			_ = t.Remove(rt.Order)
		}
		return 0, nil, err
	}
	status := fasthttp.StatusCreated
	if exists {
		status = fasthttp.StatusOK
	}
	added, _ := t.Get(rt.Order)
	return status, r.view(added), nil
}

func (r *routeAPI) remove(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t := r.table()
	if _, ok := t.Get(order); !ok {
		return 0, nil, notFound(fmt.Sprintf("no %s route at order %d", r.d, order))
	}
	if err := t.Remove(order); err != nil {
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusNoContent, nil, nil
}

// flush removes every route of the table (mtrouter -f).
func (r *routeAPI) flush(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t := r.table()
	n := len(t.Routes())
	t.Flush()
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, map[string]any{"flushed": n}, nil
}

// interceptorAPI serves /admin/mtinterceptors or /admin/mointerceptors.
type interceptorAPI struct {
	s *Server
	d router.Direction
}

type interceptorView struct {
	Order       int      `json:"order"`
	Type        string   `json:"type"`
	Filters     []string `json:"filters"`
	Script      string   `json:"script"`
	Description string   `json:"description"`
}

func (r *interceptorAPI) table() interceptorTable {
	if r.d == router.MT {
		return r.s.b.MTInterceptors()
	}
	return r.s.b.MOInterceptors()
}

func viewInterceptor(ic *router.Interceptor) interceptorView {
	return interceptorView{Order: ic.Order, Type: ic.Type.String(), Filters: filterIDs(ic.Filters),
		Script: ic.Source(), Description: ic.Show()}
}

func (r *interceptorAPI) list(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := []interceptorView{}
	for _, ic := range r.table().Interceptors() {
		out = append(out, viewInterceptor(ic))
	}
	return fasthttp.StatusOK, map[string]any{"interceptors": out, "total": len(out)}, nil
}

func (r *interceptorAPI) get(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	ic, ok := r.table().Get(order)
	if !ok {
		return 0, nil, notFound(fmt.Sprintf("no %s interceptor at order %d", r.d, order))
	}
	return fasthttp.StatusOK, viewInterceptor(ic), nil
}

func (r *interceptorAPI) create(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	return r.add(ctx.PostBody(), nil)
}

func (r *interceptorAPI) put(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	return r.add(ctx.PostBody(), &order)
}

func (r *interceptorAPI) add(body []byte, pathOrder *int) (int, any, error) {
	p, err := orderedBody(body, pathOrder, "filters")
	if err != nil {
		return 0, nil, err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ic, err := router.BuildInterceptor(r.d, p, s.b.Filters())
	if err != nil {
		return 0, nil, err
	}
	t := r.table()
	old, exists := t.Get(ic.Order)
	if exists && pathOrder == nil {
		return 0, nil, conflict("order", fmt.Sprintf("a %s interceptor has order %d already (PUT replaces it)", r.d, ic.Order))
	}
	if err := t.Add(ic); err != nil {
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		if exists {
			_ = t.Add(old)
		} else {
			_ = t.Remove(ic.Order)
		}
		return 0, nil, err
	}
	status := fasthttp.StatusCreated
	if exists {
		status = fasthttp.StatusOK
	}
	added, _ := t.Get(ic.Order)
	return status, viewInterceptor(added), nil
}

func (r *interceptorAPI) remove(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	order, err := parseOrder(a[0])
	if err != nil {
		return 0, nil, err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t := r.table()
	if _, ok := t.Get(order); !ok {
		return 0, nil, notFound(fmt.Sprintf("no %s interceptor at order %d", r.d, order))
	}
	if err := t.Remove(order); err != nil {
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusNoContent, nil, nil
}

func (r *interceptorAPI) flush(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t := r.table()
	n := len(t.Interceptors())
	t.Flush()
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, map[string]any{"flushed": n}, nil
}
