package roapp_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
)

const testKey = "sk-test-9f8e7d6c5b4a-secret"

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func id(v int64) *int64 { return &v }

// baseSeed is a small RO App account.
func baseSeed() roapptest.Seed {
	return roapptest.Seed{
		Currency: "UAH",
		Rights:   []string{roapptest.RightAddWithoutDeduction},
		Contacts: []roapptest.Contact{
			{ID: 10, FirstName: "Olena", LastName: "K", Phones: []string{"+380501112233"}, Email: "olena@example.com"},
			{ID: 11, FirstName: "Petro", Phones: []string{"+380671234567"}, Email: "Petro@Example.com"},
		},
		Categories: []roapptest.Category{
			{ID: 5, Title: "Electronics"},
			{ID: 6, Title: "Phones", ParentID: id(5)},
		},
		Products: []roapptest.Product{
			{ID: 20, Title: "Phone X", SKU: "PX-1", Code: "1001", CategoryID: id(6), UOM: "piece"},
			{ID: 21, Title: "Cable", SKU: "CB-1", Code: "1002", UOM: "piece"},
		},
		Statuses: []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "In progress"}, {ID: 3, Name: "Closed"}},
		OrderTypes: []roapptest.OrderType{
			{ID: 1, Name: "Online store", InitialStatusID: 1},
			{ID: 2, Name: "Pre-order", InitialStatusID: 2},
		},
		Employees: []roapptest.Employee{{ID: 1, FirstName: "Anna"}, {ID: 5, FirstName: "Ivan", LastName: "P"}},
	}
}

// fastOptions are client options for tests: no rate limit, short back-off.
func fastOptions(baseURL string) *roapp.Options {
	return &roapp.Options{
		BaseURL:      baseURL,
		Limiter:      rate.NewLimiter(rate.Inf, 1),
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 2 * time.Millisecond,
	}
}

// newEmulator starts an emulator behind an httptest server (under /v2, as
// the real API) and a client for it.
func newEmulator(t *testing.T, seed roapptest.Seed, eopts *roapptest.Options, copts *roapp.Options) (*roapptest.Emulator, *roapp.Client) {
	t.Helper()
	if eopts == nil {
		eopts = &roapptest.Options{}
	}
	if eopts.APIKey == "" {
		eopts.APIKey = testKey
	}
	if eopts.Now == nil {
		eopts.Now = func() time.Time { return t0 }
	}
	emu := roapptest.New(seed, eopts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	o := fastOptions(srv.URL + "/v2")
	if copts != nil {
		o2 := *copts
		o2.BaseURL = o.BaseURL
		if o2.Limiter == nil {
			o2.Limiter = o.Limiter
		}
		if o2.RetryWaitMin == 0 {
			o2.RetryWaitMin, o2.RetryWaitMax = o.RetryWaitMin, o.RetryWaitMax
		}
		o = &o2
	}
	return emu, roapp.New(testKey, o)
}

// recorded is one request a recorder saw.
type recorded struct {
	Method, Path, Query, Body string
}

// recorder wraps a handler and records requests.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []recorded
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, string(body)})
	rc.mu.Unlock()
	rc.next.ServeHTTP(w, r)
}

func (rc *recorder) last(method string) recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i := len(rc.reqs) - 1; i >= 0; i-- {
		if rc.reqs[i].Method == method {
			return rc.reqs[i]
		}
	}
	return recorded{}
}

// scripted answers requests in turn from a list of canned answers (the
// last one repeats) and counts them.
type scripted struct {
	mu      sync.Mutex
	answers []answer
	n       int
}

type answer struct {
	status int
	body   string
	header map[string]string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.answers[min(s.n, len(s.answers)-1)]
	s.n++
	s.mu.Unlock()
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	fmt.Fprint(w, a.body)
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// newScripted starts a scripted server and a client for it.
func newScripted(t *testing.T, opts *roapp.Options, answers ...answer) (*scripted, *roapp.Client) {
	t.Helper()
	s := &scripted{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	o := fastOptions(srv.URL)
	if opts != nil {
		o2 := *opts
		o2.BaseURL = srv.URL
		if o2.Limiter == nil {
			o2.Limiter = o.Limiter
		}
		if o2.RetryWaitMin == 0 {
			o2.RetryWaitMin, o2.RetryWaitMax = o.RetryWaitMin, o.RetryWaitMax
		}
		o = &o2
	}
	return s, roapp.New(testKey, o)
}

func ok(body string) answer { return answer{status: 200, body: body} }

func ref(num string) rosync.ExternalRef {
	return rosync.ExternalRef{Platform: "woocommerce", Shop: "shop1", OrderID: "id-" + num, Number: num,
		CreatedAt: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
}
