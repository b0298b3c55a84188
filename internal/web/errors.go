package web

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"

	"switchboard/internal/desk"
	"switchboard/internal/httperr"
)

// errorData is what the error page and toast show.
type errorData struct {
	Status  int
	Code    desk.Code
	Title   string
	Message string
	Fields  map[string]string
}

// fail is the one place errors become responses: a full HTML page for
// page loads, a toast fragment for htmx requests. Internal errors are
// logged and never shown.
func (a *app) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	code := desk.ErrorCode(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		code, err = desk.EInvalid, desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.too_large"))
	}
	status := httperr.Status(code)
	d := errorData{Status: status, Code: code, Title: rq.loc.T("error.title." + string(code))}
	if code == desk.EInternal {
		a.log.ErrorContext(r.Context(), "web: request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int64("agent", rq.actor.AgentID), slog.Any("err", err))
		d.Message = rq.loc.T("error.internal")
	} else {
		d.Message = desk.ErrorMessage(err)
		var de *desk.Error
		if errors.As(err, &de) {
			d.Fields = de.Fields
		}
	}
	if rq.htmx {
		w.Header().Set("HX-Retarget", "#toasts")
		w.Header().Set("HX-Reswap", "beforeend")
		a.render(w, r, rq, status, "toast-error", d)
		return
	}
	pd := a.pageData(r, rq, d.Title, d)
	if !slices.Contains(pd.CSS, "pages.css") {
		pd.CSS = append([]string{"pages.css"}, pd.CSS...)
	}
	a.render(w, r, rq, status, "error", pd)
}
