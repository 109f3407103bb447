package service

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/rosync/rosync"
)

// The status page: GET /admin/ renders, server-side with html/template
// (no script, no build step), one section per shop with its last
// progress, its failed, in-doubt and rejected orders, a "Retry" form per
// failed or rejected order (a plain POST to
// /admin/shops/{shop}/orders/{order}/retry, answered by a redirect back
// to the page with the outcome), and a link to the jobs UI at /admin/jobs/.
// It is behind the admin token like the JSON API: a browser asks for it
// as a password (HTTP Basic, any user name).

// pageShop is one shop's section of the page.
type pageShop struct {
	Name, Platform string
	Ready          bool
	Progress       *AdminProgress
	Failed, Doubt  []AdminOrder
	Rejected       []AdminOrder
}

// pageData is the page.
type pageData struct {
	Now   time.Time
	Shops []pageShop
	// Flash is the outcome of the retry just made, if any.
	Flash, FlashKind string
}

var pageFuncs = template.FuncMap{
	"pathEscape": url.PathEscape,
	"time": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"utc": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
}

var statusPage = template.Must(template.New("status").Funcs(pageFuncs).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rosync status</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.flash { padding: .5em 1em; border: 1px solid; display: inline-block; }
.flash.ok { border-color: #3a3; background: #efe; }
.flash.error { border-color: #c33; background: #fee; }
.empty { color: #777; }
td.error { max-width: 40em; word-break: break-word; }
</style>
</head>
<body>
<h1>rosync status</h1>
<p>As of {{utc .Now}}. <a href="/admin/jobs/">Jobs</a> · <a href="/admin/api/shops">JSON</a> · <a href="/admin/">Reload</a></p>
{{with .Flash}}<p id="flash" class="flash {{$.FlashKind}}">{{.}}</p>{{end}}
{{range .Shops}}{{$shop := .Name}}
<section id="shop-{{.Name}}">
<h2>{{.Name}} <small>({{.Platform}}, {{if .Ready}}initial import done{{else}}initial import not done{{end}})</small></h2>
{{with .Progress}}<p class="progress">Last {{.Phase}}{{if .Done}} (finished){{else}} (running){{end}}, started {{utc .Started}}:
{{.Orders}} orders — {{.Imported}} imported, {{.Updated}} updated, {{.Rejected}} rejected, {{.Failed}} failed (reported {{utc .At}}).</p>
{{else}}<p class="progress empty">No progress reported yet.</p>{{end}}

<h3>Failed ({{len .Failed}})</h3>
{{if .Failed}}<table id="failed-{{.Name}}">
<tr><th>Order</th><th>Number</th><th>Error</th><th>Attempts</th><th>Next retry</th><th></th></tr>
{{range .Failed}}<tr data-order="{{.OrderID}}"><td>{{.OrderID}}</td><td>{{.Number}}</td><td class="error">{{.Error}}</td>
<td>{{.Attempts}}</td><td>{{if .Permanent}}after a fix (retry){{else}}{{time .NextRetry}}{{end}}</td>
<td><form method="post" action="/admin/shops/{{pathEscape $shop}}/orders/{{pathEscape .OrderID}}/retry"><button type="submit">Retry</button></form></td></tr>
{{end}}</table>{{else}}<p class="empty">None.</p>{{end}}

<h3>In doubt ({{len .Doubt}})</h3>
{{if .Doubt}}<table id="doubt-{{.Name}}">
<tr><th>Order</th><th>Number</th><th>State</th><th>Since</th><th>Error</th></tr>
{{range .Doubt}}<tr data-order="{{.OrderID}}"><td>{{.OrderID}}</td><td>{{.Number}}</td><td>{{.State}}</td><td>{{time .DoubtSince}}</td><td class="error">{{.Error}}</td></tr>
{{end}}</table>{{else}}<p class="empty">None.</p>{{end}}

<h3>Rejected ({{len .Rejected}})</h3>
{{if .Rejected}}<table id="rejected-{{.Name}}">
<tr><th>Order</th><th>Number</th><th>Rule</th><th>Reason</th><th></th></tr>
{{range .Rejected}}<tr data-order="{{.OrderID}}"><td>{{.OrderID}}</td><td>{{.Number}}</td><td>{{.Rule}}</td><td>{{.Reason}}</td>
<td><form method="post" action="/admin/shops/{{pathEscape $shop}}/orders/{{pathEscape .OrderID}}/retry"><button type="submit">Retry</button></form></td></tr>
{{end}}</table>{{else}}<p class="empty">None.</p>{{end}}
</section>
{{end}}
</body>
</html>
`))

func (s *Service) pageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/{$}", s.statusPage)
	mux.HandleFunc("POST /admin/shops/{shop}/orders/{order}/retry", s.withShop(s.pageRetry))
}

// statusPage renders the page; ?retried=ORDER&error=TEXT (the redirect of
// a retry) shows the outcome above it.
func (s *Service) statusPage(w http.ResponseWriter, r *http.Request) {
	data := pageData{Now: s.now()}
	q := r.URL.Query()
	if id := q.Get("retried"); id != "" {
		if e := q.Get("error"); e != "" {
			data.Flash, data.FlashKind = "Order "+id+" of "+q.Get("shop")+" re-checked: "+e, "error"
		} else {
			data.Flash, data.FlashKind = "Order "+id+" of "+q.Get("shop")+" re-checked: it went through.", "ok"
		}
	}
	for _, sh := range s.shops {
		l, err := s.lists(r.Context(), sh)
		if err != nil {
			s.storeFailed(w, r, err)
			return
		}
		data.Shops = append(data.Shops, pageShop{Name: sh.cfg.Name, Platform: sh.cfg.Platform, Ready: sh.ready.Load(),
			Progress: s.lastProgress(sh.cfg.Name), Failed: adminOrders(l.failed), Doubt: adminOrders(l.doubt),
			Rejected: adminOrders(l.rejected)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := statusPage.Execute(w, data); err != nil {
		s.log.ErrorContext(r.Context(), "admin: status page", "err", err)
	}
}

// pageRetry is the page's Retry form: it re-checks the order and
// redirects back to the page (303, so that a reload does not post again)
// with the outcome.
func (s *Service) pageRetry(w http.ResponseWriter, r *http.Request, sh *shop) {
	id := r.PathValue("order")
	rec, retryErr, err := s.retry(r.Context(), sh, id)
	q := url.Values{"shop": {sh.cfg.Name}, "retried": {id}}
	switch {
	case errors.Is(err, rosync.ErrNotFound):
		http.Error(w, "no such order", http.StatusNotFound)
		return
	case errors.Is(err, errNotRetryable):
		q.Set("error", err.Error())
	case err != nil:
		s.storeFailed(w, r, err)
		return
	case retryErr != nil:
		q.Set("error", retryErr.Error())
	case rec.State == rosync.StateRejected:
		q.Set("error", "rejected again: "+rec.Rule+" "+rec.Reason)
	}
	http.Redirect(w, r, "/admin/?"+q.Encode()+"#shop-"+url.PathEscape(sh.cfg.Name), http.StatusSeeOther)
}
