package admin

import (
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/store"
)

// Profiles (jCli persist and load). Every accepted change is already
// durable in the live configuration: persist names a snapshot of it, load
// replaces it with one.

// profileBody reads {"profile": NAME}; an empty body is the default
// profile.
func profileBody(body []byte) (string, error) {
	o, err := bodyObject(body, true)
	if err != nil {
		return "", err
	}
	if err := o.only("", "profile"); err != nil {
		return "", err
	}
	raw, ok := o.get("profile")
	if !ok {
		return DefaultProfile, nil
	}
	return text(raw, "profile")
}

func profileError(err error) error {
	switch {
	case errors.Is(err, store.ErrInvalidName):
		return badField("profile", err.Error())
	case errors.Is(err, store.ErrNotFound):
		return &apiError{status: fasthttp.StatusNotFound, msg: err.Error(), field: "profile"}
	}
	return err
}

func (s *Server) persist(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	p, err := profileBody(ctx.PostBody())
	if err != nil {
		return 0, nil, err
	}
	if err := s.m.Persist(p); err != nil {
		return 0, nil, profileError(err)
	}
	return fasthttp.StatusOK, map[string]any{"profile": p, "persisted": true}, nil
}

func (s *Server) load(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	p, err := profileBody(ctx.PostBody())
	if err != nil {
		return 0, nil, err
	}
	if err := s.m.Load(p); err != nil {
		return 0, nil, profileError(err)
	}
	s.syncPrivacy()
	return fasthttp.StatusOK, map[string]any{"profile": p, "loaded": true}, nil
}
