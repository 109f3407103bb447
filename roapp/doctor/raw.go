package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync/roapp"
)

// raw reads RO App answers as they are, for the probes the typed client
// cannot make (an answer's keys, a filter compared with no filter, paths
// outside the client's table). It shares the client's rate limiter.
type raw struct {
	key   string
	base  string
	hc    *http.Client
	lim   roapp.Limiter
	paths map[roapp.Endpoint]string
}

// answer is one raw answer.
type answer struct {
	status int
	body   []byte
}

func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

// missing reports an answer that says the path does not exist.
func (a answer) missing() bool {
	return a.status == http.StatusNotFound || a.status == http.StatusMethodNotAllowed
}

// path returns the template of an endpoint, with the configured override.
func (r *raw) path(ep roapp.Endpoint) string { return r.paths[ep] }

// get performs one GET of a path template (relative to the base URL, or
// from the host root with a leading "/"), waiting out a 429 a few times.
func (r *raw) get(ctx context.Context, path string, q url.Values) (answer, error) {
	b, err := url.Parse(strings.TrimRight(r.base, "/") + "/")
	if err != nil {
		return answer{}, err
	}
	ref, err := url.Parse(path)
	if err != nil {
		return answer{}, err
	}
	u := b.ResolveReference(ref)
	if u.Host != b.Host || u.Scheme != b.Scheme {
		return answer{}, fmt.Errorf("path %q leaves the API host", path)
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	for attempt := 0; ; attempt++ {
		if err := r.lim.Wait(ctx); err != nil {
			return answer{}, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return answer{}, err
		}
		req.Header.Set("Authorization", "Bearer "+r.key)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "rosync-doctor")
		resp, err := r.hc.Do(req)
		if err != nil {
			if ue, ok := err.(*url.Error); ok {
				err = ue.Err // the URL may carry a search term
			}
			return answer{}, fmt.Errorf("GET /%s: %w", path, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, roapp.MaxResponseBytes))
		resp.Body.Close()
		if err != nil {
			return answer{}, fmt.Errorf("GET /%s: %w", path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 3 {
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s <= 60 {
				wait = time.Duration(s) * time.Second
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return answer{}, ctx.Err()
			case <-t.C:
			}
			continue
		}
		return answer{status: resp.StatusCode, body: body}, nil
	}
}

// record is one JSON object of an answer.
type record map[string]json.RawMessage

// str reads a field as text: a string, a number, or the title, name or id
// of an object.
func (m record) str(key string) string {
	v := bytes.TrimSpace(m[key])
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	var o record
	if json.Unmarshal(v, &o) == nil {
		for _, k := range []string{"title", "name", "id"} {
			if s := o.str(k); s != "" {
				return s
			}
		}
	}
	return string(v)
}

// keys returns the record's keys, sorted.
func (m record) keys() []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// records reads a list answer: a bare array, {"data":[...]} or an object
// wrapping data; anything else is an error.
func records(body []byte) ([]record, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, err
		}
		body = bytes.TrimSpace(env.Data)
	}
	if len(body) == 0 || string(body) == "null" {
		return nil, nil
	}
	var out []record
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("not a list: %w", err)
	}
	return out, nil
}

// object reads an object answer, unwrapping {"data":{...}}.
func object(body []byte) (record, error) {
	var m record
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if d := bytes.TrimSpace(m["data"]); len(d) > 0 && d[0] == '{' {
		var inner record
		if err := json.Unmarshal(d, &inner); err == nil {
			return inner, nil
		}
	}
	return m, nil
}

// snippet is the start of a body, for a row's detail.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
