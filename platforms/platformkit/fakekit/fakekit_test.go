package fakekit_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

type testFault struct {
	Status   int
	Mutation bool
}

func TestFaults_Queue(t *testing.T) {
	var fs fakekit.Faults[testFault] // the zero value is ready
	_, ok := fs.Next("orders")
	require.False(t, ok, "nothing queued")

	fs.Queue("orders", testFault{Status: 503}, 2)
	fs.Queue("orders", testFault{Status: 429}, 0) // 0: once
	fs.Queue("auth", testFault{Status: 500}, 1)

	var got []int
	for {
		f, ok := fs.Next("orders")
		if !ok {
			break
		}
		got = append(got, f.Status)
	}
	require.Equal(t, []int{503, 503, 429}, got, "oldest first, each used its times")
	f, ok := fs.Next("auth")
	require.True(t, ok, "another key keeps its own queue")
	require.Equal(t, 500, f.Status)
	_, ok = fs.Next("auth")
	require.False(t, ok)
}

func TestFaults_NextMatch(t *testing.T) {
	fs := fakekit.NewFaults[testFault](nil)
	fs.Queue("", testFault{Status: 500, Mutation: true}, 1)
	fs.Queue("", testFault{Status: 502}, 1)
	queries := func(f testFault) bool { return !f.Mutation }

	f, ok := fs.NextMatch("", queries)
	require.True(t, ok)
	require.Equal(t, 502, f.Status, "a query passes by the fault that waits for a mutation")
	_, ok = fs.NextMatch("", queries)
	require.False(t, ok)
	f, ok = fs.Next("")
	require.True(t, ok)
	require.Equal(t, 500, f.Status, "the mutation's fault waited")
}

func TestFaults_Concurrent(t *testing.T) {
	var fs fakekit.Faults[int]
	fs.Queue("k", 1, 100)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		used int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, ok := fs.Next("k"); ok {
					mu.Lock()
					used++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 100, used, "a fault queued 100 times is used 100 times, no more")
}

// served is a handler that counts the requests it serves.
type served struct {
	mu sync.Mutex
	n  int
}

func (s *served) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (s *served) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// any5xx is a wantStatus: any 5xx status (the plan draws 500, 502, 503
// or 504).
const any5xx = -1

func TestFaults_Serve(t *testing.T) {
	tests := []struct {
		name       string
		plan       *faultplan.Plan
		create     bool
		wantServed bool
		wantStatus int
	}{
		{name: "no plan", wantServed: true, wantStatus: 200},
		{name: "server error", plan: &faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.ServerError}},
			wantStatus: any5xx},
		{name: "rate limited", plan: &faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.RateLimited}},
			wantStatus: 429},
		{name: "a read is never executed then failed", plan: &faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.ExecutedThenError}},
			wantStatus: any5xx},
		{name: "a create is executed then failed", plan: &faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.ExecutedThenError}},
			create: true, wantServed: true, wantStatus: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := fakekit.NewFaults[testFault](tt.plan)
			next := &served{}
			rec := httptest.NewRecorder()
			got := fs.Serve(rec, httptest.NewRequest(http.MethodPost, "/orders", nil), "POST /orders", tt.create, next)
			require.Equal(t, tt.wantServed, got)
			require.Equal(t, tt.wantServed, next.count() == 1, "served reports whether next ran")
			if tt.wantStatus == any5xx {
				require.GreaterOrEqual(t, rec.Code, 500)
			} else {
				require.Equal(t, tt.wantStatus, rec.Code)
			}
			if tt.plan != nil {
				require.Equal(t, map[string]int{"POST /orders": 1}, tt.plan.ByEndpoint(), "drawn under the endpoint given")
			}
		})
	}
}

func TestFaults_SetPlan(t *testing.T) {
	plan := &faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.ServerError}}
	fs := fakekit.NewFaults[testFault](nil)
	fs.SetPlan(plan)
	require.Same(t, plan, fs.Plan())
	next := &served{}
	require.False(t, fs.Serve(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil), "GET /", false, next))
	fs.SetPlan(nil)
	require.Nil(t, fs.Plan())
	require.True(t, fs.Serve(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil), "GET /", false, next))
	require.Equal(t, 1, next.count())
	require.Equal(t, 1, plan.Total(), "no draw once the plan is removed")
}

// TestFaults_Drop goes over a real connection: a dropped answer is a
// network error for the client, not a status.
func TestFaults_Drop(t *testing.T) {
	fs := fakekit.NewFaults[testFault](&faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.Drop}})
	next := &served{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.Serve(w, r, "GET /", false, next)
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	require.Zero(t, next.count())
}

type testRequest struct {
	Path  string
	Query url.Values
}

func TestRecorder(t *testing.T) {
	rc := fakekit.Recorder[testRequest]{Copy: func(r testRequest) testRequest {
		r.Query = fakekit.CloneValues(r.Query)
		return r
	}}
	require.Empty(t, rc.Calls())
	require.Empty(t, rc.Requests())

	rc.Record("GET /orders", testRequest{Path: "/orders", Query: url.Values{"page": {"1"}}})
	rc.Record("GET /orders", testRequest{Path: "/orders", Query: url.Values{"page": {"2"}}})
	rc.Count("errors")
	rc.Add(testRequest{Path: "/broken"})

	require.Equal(t, map[string]int{"GET /orders": 2, "errors": 1}, rc.Calls())
	reqs := rc.Requests()
	require.Equal(t, []string{"/orders", "/orders", "/broken"}, []string{reqs[0].Path, reqs[1].Path, reqs[2].Path})

	reqs[0].Query.Set("page", "9")
	rc.Calls()["GET /orders"] = 99
	require.Equal(t, "1", rc.Requests()[0].Query.Get("page"), "Copy keeps the recorded query from the caller")
	require.Equal(t, 2, rc.Calls()["GET /orders"], "Calls is a copy")
}

func TestLog(t *testing.T) {
	var l fakekit.Log[string]
	require.Nil(t, l.All(), "empty")
	l.Add("a")
	l.Add("b")
	got := l.All()
	require.Equal(t, []string{"a", "b"}, got)
	got[0] = "changed"
	require.Equal(t, []string{"a", "b"}, l.All(), "All is a copy")
}

func TestRecorder_Concurrent(t *testing.T) {
	var rc fakekit.Recorder[int]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				rc.Record(fmt.Sprint("k", g), i)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, map[string]int{"k0": 50, "k1": 50, "k2": 50, "k3": 50}, rc.Calls())
	require.Len(t, rc.Requests(), 200)
}

func TestWindow(t *testing.T) {
	tests := []struct {
		total, offset, limit int
		lo, hi               int
	}{
		{10, 0, 3, 0, 3},
		{10, 9, 3, 9, 10},   // the last page is short
		{10, 10, 3, 10, 10}, // just past the end: empty
		{10, 50, 3, 10, 10}, // far past: empty, no error
		{10, -2, 3, 0, 3},   // a negative offset counts as 0
		{10, 2, -1, 2, 2},   // a negative limit as 0
		{0, 0, 50, 0, 0},
		{5, 2, 1 << 62, 2, 5}, // no overflow
	}
	for _, tt := range tests {
		lo, hi := fakekit.Window(tt.total, tt.offset, tt.limit)
		require.Equal(t, [2]int{tt.lo, tt.hi}, [2]int{lo, hi}, "Window(%d, %d, %d)", tt.total, tt.offset, tt.limit)
	}
	require.Equal(t, []string{"c", "d"}, fakekit.Slice([]string{"a", "b", "c", "d", "e"}, 2, 2))
	require.Empty(t, fakekit.Slice([]string{"a"}, 3, 2))
}

func TestPageCount(t *testing.T) {
	require.Equal(t, 0, fakekit.PageCount(0, 10))
	require.Equal(t, 1, fakekit.PageCount(10, 10))
	require.Equal(t, 2, fakekit.PageCount(11, 10))
	require.Equal(t, 0, fakekit.PageCount(11, 0))
}

func TestPageQuery(t *testing.T) {
	wp := fakekit.PageQuery{PageParam: "page", SizeParam: "per_page", DefaultSize: 10, MaxSize: 100,
		TotalHeader: "X-Total", PagesHeader: "X-Pages"}
	tests := []struct {
		query   string
		want    fakekit.Page
		wantErr string
	}{
		{"", fakekit.Page{Number: 1, Size: 10}, ""},
		{"page=3&per_page=100", fakekit.Page{Number: 3, Size: 100}, ""},
		{"per_page=101", fakekit.Page{}, "per_page must be between 1 (inclusive) and 100 (inclusive)"},
		{"per_page=0", fakekit.Page{}, "per_page must be between 1 (inclusive) and 100 (inclusive)"},
		{"page=0", fakekit.Page{}, "page must be greater than or equal to 1"},
		{"page=x", fakekit.Page{}, "page must be greater than or equal to 1"},
		{"page=0&per_page=x", fakekit.Page{}, "per_page must be"}, // the size first
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		require.NoError(t, err)
		got, err := wp.Parse(q)
		if tt.wantErr != "" {
			var pe *fakekit.ParamError
			require.True(t, errors.As(err, &pe), "%q: %v", tt.query, err)
			require.True(t, strings.HasPrefix(pe.Error(), tt.wantErr), "%q: %v", tt.query, pe)
			continue
		}
		require.NoError(t, err, tt.query)
		require.Equal(t, tt.want, got, tt.query)
	}

	fixed := fakekit.PageQuery{PageParam: "page", DefaultSize: 50}
	got, err := fixed.Parse(url.Values{"page": {"2"}, "per_page": {"7"}})
	require.NoError(t, err)
	require.Equal(t, fakekit.Page{Number: 2, Size: 50}, got, "no SizeParam: the size is fixed, per_page ignored")
	require.Equal(t, 50, got.Offset())
	lo, hi := got.Bounds(70)
	require.Equal(t, [2]int{50, 70}, [2]int{lo, hi})

	h := http.Header{}
	wp.SetHeaders(h, 25, 10)
	require.Equal(t, "25", h.Get("X-Total"))
	require.Equal(t, "3", h.Get("X-Pages"))
	h = http.Header{}
	fixed.SetHeaders(h, 25, 10)
	require.Empty(t, h, "no header named, none set")
}

func TestCursor(t *testing.T) {
	type key struct {
		ID    uint64 `json:"last_id"`
		Value int64  `json:"last_value"`
	}
	c := fakekit.EncodeCursor(key{ID: 7, Value: -3})
	require.NotContains(t, c, "last_id", "opaque")
	var got key
	require.NoError(t, fakekit.DecodeCursor(c, &got))
	require.Equal(t, key{ID: 7, Value: -3}, got)
	require.Error(t, fakekit.DecodeCursor("not a cursor!", &got))
	require.Error(t, fakekit.DecodeCursor("bm90IGpzb24", &got), "base64 of something that is not JSON")
}

func TestList(t *testing.T) {
	q, err := url.ParseQuery("ids[]=1&ids[]=2&ids=3&other=4")
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2", "3"}, fakekit.List(q, "ids"), "name[] first, then name")
	require.Empty(t, fakekit.List(q, "none"))
}

func TestExpect(t *testing.T) {
	q := url.Values{"display": {"full"}, "sort": {"[id_DESC]"}}
	require.NoError(t, fakekit.Expect(q, "display", "full"))
	err := fakekit.Expect(q, "sort", "[id_ASC]")
	var pe *fakekit.ParamError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "sort", pe.Param)
	require.Equal(t, "[id_DESC]", pe.Value)
	require.Equal(t, "sort must be one of [id_ASC]", pe.Error())
	require.Error(t, fakekit.Expect(q, "output_format", "JSON"), "an absent parameter is refused")
	require.NoError(t, fakekit.Expect(q, "output_format", "JSON", ""), "unless \"\" is allowed")
	require.Error(t, fakekit.Expect(url.Values{"display": {"FULL"}}, "display", "full"), "case counts")
}

func TestLogBuffer(t *testing.T) {
	var b fakekit.LogBuffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				_, _ = io.WriteString(&b, "line\n")
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 100, strings.Count(b.String(), "line\n"))
}
