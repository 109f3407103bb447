package shopifytest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file emulates bulk query operations: the bulkOperationRunQuery
// mutation, the BulkOperation object that node(id:) and
// currentBulkOperation answer, and the JSONL result file, served at a
// signed URL under /bulk/ on the same server.

// Bulk controls the fake's bulk query operations (Options.Bulk, SetBulk).
// The zero value runs every operation to COMPLETED at its first poll.
type Bulk struct {
	// Polls is how many polls (node(id:) or currentBulkOperation) see an
	// operation RUNNING before it ends; 0 means the first poll sees it
	// ended. An operation that is not polled never ends, and a new one is
	// refused while it runs.
	Polls int
	// Status is the status an operation ends with: "" (COMPLETED, or
	// FAILED when ErrorCode is set), "COMPLETED", "FAILED", "CANCELED" or
	// "EXPIRED".
	Status string
	// ErrorCode is the errorCode of a FAILED operation: "ACCESS_DENIED",
	// "INTERNAL_SERVER_ERROR" or "TIMEOUT".
	ErrorCode string
	// InProgress makes bulkOperationRunQuery answer the userError
	// OPERATION_IN_PROGRESS, as when another bulk query of the app runs
	// on the shop.
	InProgress bool
	// Rewrite, when set, changes the JSONL result before it is served (a
	// malformed line, a child line out of place, a cut file); fileSize
	// then describes the rewritten file, objectCount still the objects
	// the query produced.
	Rewrite func(jsonl []byte) []byte
	// CutDownloads is how many of the next downloads of a result end
	// cleanly after half of the file, without a Content-Length, as a
	// transfer cut short looks to a client.
	CutDownloads int
}

// BulkFaultEndpoint is the endpoint name under which downloads of bulk
// operation results draw the faults of Options.Faults.
const BulkFaultEndpoint = "GET bulk"

// The statuses of a bulk operation.
const (
	bulkCreated   = "CREATED"
	bulkRunning   = "RUNNING"
	bulkCompleted = "COMPLETED"
	bulkFailed    = "FAILED"
	bulkCanceled  = "CANCELED"
	bulkExpired   = "EXPIRED"
)

// bulkOp is a bulk query operation.
type bulkOp struct {
	n         int
	id        string // gid://shopify/BulkOperation/N
	sig       string // the signature of its result URL
	query     string
	cfg       Bulk // the behaviour when it was started
	created   time.Time
	completed time.Time
	status    string
	errorCode string
	polls     int
	data      []byte // the JSONL result
	objects   int
	roots     int
}

func terminal(status string) bool {
	switch status {
	case bulkCompleted, bulkFailed, bulkCanceled, bulkExpired:
		return true
	}
	return false
}

// SetBulk replaces Options.Bulk; operations already started keep the
// behaviour they started with, except InProgress and CutDownloads, which
// act on the next mutation and downloads.
func (s *Server) SetBulk(b Bulk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bulk = b
}

// observeBulk is one poll of an operation: it moves the operation on and
// returns its view. Called with s.mu held.
func (s *Server) observeBulk(op *bulkOp, base string) map[string]any {
	if !terminal(op.status) {
		op.polls++
		if op.polls <= op.cfg.Polls {
			op.status = bulkRunning
		} else {
			op.status, op.errorCode = op.cfg.Status, op.cfg.ErrorCode
			if op.status == "" {
				op.status = bulkCompleted
				if op.errorCode != "" {
					op.status = bulkFailed
				}
			}
			if op.status == bulkFailed && op.errorCode == "" {
				op.errorCode = "INTERNAL_SERVER_ERROR"
			}
			if op.status == bulkCompleted {
				op.completed = s.opts.Now()
			}
		}
	}
	return op.view(base)
}

// view is the BulkOperation object. UnsignedInt64 fields are strings, as
// the GraphQL Admin API sends them.
func (op *bulkOp) view(base string) map[string]any {
	objects := op.objects
	if !terminal(op.status) {
		objects = op.objects * op.polls / (op.cfg.Polls + 1)
	}
	v := map[string]any{
		"id": op.id, "type": "QUERY", "status": op.status, "query": op.query,
		"createdAt": op.created.UTC().Format(time.RFC3339), "completedAt": nil,
		"errorCode": nil, "objectCount": strconv.Itoa(objects), "rootObjectCount": strconv.Itoa(op.roots),
		"fileSize": nil, "url": nil, "partialDataUrl": nil,
	}
	if op.errorCode != "" {
		v["errorCode"] = op.errorCode
	}
	if op.status == bulkCompleted {
		v["completedAt"] = op.completed.UTC().Format(time.RFC3339)
		// Shopify gives no file for an empty result: url is null.
		if len(op.data) > 0 {
			v["url"] = fmt.Sprintf("%s/bulk/%d.jsonl?sig=%s", base, op.n, op.sig)
			v["fileSize"] = strconv.Itoa(len(op.data))
		}
	}
	return v
}

// currentBulkOperation answers the app's most recent bulk query operation
// (a poll of it, like node(id:)).
func (e *executor) currentBulkOperation(f *field) (any, error) {
	typ, ok, err := f.stringArg("type")
	if err != nil {
		return nil, err
	}
	if (ok && typ != "QUERY") || e.s.bulkCurrent == nil {
		return nil, nil
	}
	return e.project(e.s.observeBulk(e.s.bulkCurrent, e.base), f, "BulkOperation")
}

// mutation answers a root field of a mutation.
func (e *executor) mutation(f *field) (any, error) {
	switch f.name {
	case "__typename":
		return "Mutation", nil
	case "bulkOperationRunQuery":
		return e.bulkOperationRunQuery(f)
	}
	return nil, fmt.Errorf("field '%s' doesn't exist on type 'Mutation'", f.name)
}

// groupByDefault is the default of groupObjects: true before API version
// 2026-01, false from it on.
func groupByDefault(version string) bool {
	return version != "unstable" && version < "2026-01"
}

func (e *executor) bulkOperationRunQuery(f *field) (any, error) {
	q, ok, err := f.stringArg("query")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("field 'bulkOperationRunQuery' is missing required argument 'query'")
	}
	group := groupByDefault(e.version)
	if _, set := f.args["groupObjects"]; set {
		if group, err = f.boolArg("groupObjects"); err != nil {
			return nil, err
		}
	}
	payload := func(op any, code, msg string, field []any) (any, error) {
		errs := []any{}
		if code != "" {
			errs = append(errs, map[string]any{"field": field, "message": msg, "code": code})
		}
		return e.project(map[string]any{"bulkOperation": op, "userErrors": errs}, f, "BulkOperationRunQueryPayload")
	}
	s := e.s
	if cur := s.bulkCurrent; s.bulk.InProgress || (cur != nil && !terminal(cur.status)) {
		id := "another app session's"
		if cur != nil && !terminal(cur.status) {
			id = cur.id
		}
		return payload(nil, "OPERATION_IN_PROGRESS", "A bulk query operation is already in progress ("+id+").", nil)
	}
	data, objects, roots, err := e.runBulk(q, group)
	if err != nil {
		return payload(nil, "INVALID", err.Error(), []any{"query"})
	}
	cfg := s.bulk
	cfg.InProgress, cfg.CutDownloads = false, 0
	if cfg.Rewrite != nil {
		data = cfg.Rewrite(append([]byte(nil), data...))
	}
	s.bulkSeq++
	var sig [12]byte
	_, _ = rand.Read(sig[:])
	op := &bulkOp{n: s.bulkSeq, id: BulkOperationGID(s.bulkSeq), sig: hex.EncodeToString(sig[:]), query: q, cfg: cfg,
		created: s.opts.Now(), status: bulkCreated, data: data, objects: objects, roots: roots}
	s.bulkOps[op.id] = op
	s.bulkCurrent = op
	return payload(op.view(e.base), "", "", nil)
}

// BulkOperationGID returns the GraphQL id of the fake's n-th bulk operation.
func BulkOperationGID(n int) string { return "gid://shopify/BulkOperation/" + strconv.Itoa(n) }

// runBulk runs the query of a bulk operation over every stored order (no
// page size) and returns its JSONL result: one line per object, a nested
// connection's nodes on lines of their own with "__parentId", directly
// after their parent when group is set, else after all the orders. It
// enforces the bulk query rules: one top-level connection (orders here;
// never node or nodes), at most five connections, nested two deep at most,
// and no first or last argument.
func (e *executor) runBulk(q string, group bool) (data []byte, objects, roots int, err error) {
	op, sel, err := parseOperation(q, nil)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("invalid bulk query: %w", err)
	}
	if op != opQuery {
		return nil, 0, 0, fmt.Errorf("a bulk query operation runs a query, not a %s", op)
	}
	if errs := adminSchema.validate(sel, "QueryRoot", q, []string{"query"}); len(errs) > 0 {
		return nil, 0, 0, fmt.Errorf("invalid bulk query: %s", errs[0].Message)
	}
	if len(sel) != 1 {
		return nil, 0, 0, fmt.Errorf("a bulk query selects exactly one top-level field")
	}
	root := sel[0]
	switch {
	case root.name == "node" || root.name == "nodes":
		return nil, 0, 0, fmt.Errorf("the top-level node and nodes fields cannot be used in a bulk query")
	case !isBulkConnection(root):
		return nil, 0, 0, fmt.Errorf("a bulk query must select a connection at the top level")
	case root.name != "orders":
		return nil, 0, 0, fmt.Errorf("this fake runs bulk queries over orders only, not %s", root.name)
	}
	conns := 0
	if err := checkBulkConnections(root, 1, &conns); err != nil {
		return nil, 0, 0, err
	}
	key, reverse, filter, warnings, err := orderArgs(root)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(warnings) > 0 {
		// Stricter than Shopify, which is not known to report them here.
		return nil, 0, 0, fmt.Errorf("the orders search has terms Shopify does not know: %v", warnings)
	}
	b := &bulkWriter{e: e, group: group}
	nodeSel := connectionNodeSel(root)
	for _, so := range e.s.sortedOrders(key, reverse) {
		if !filter.match(so) {
			continue
		}
		roots++
		if err := b.emit(so.node, nodeSel, "Order", ""); err != nil {
			return nil, 0, 0, err
		}
	}
	b.parents.Write(b.children.Bytes())
	return b.parents.Bytes(), b.objects, roots, nil
}

// isBulkConnection reports whether f selects a connection (nodes or edges).
func isBulkConnection(f *field) bool { return f.child("nodes") != nil || f.child("edges") != nil }

// connectionNodeSel is the selection of a connection's node: nodes { … }
// or edges { node { … } }.
func connectionNodeSel(f *field) []*field {
	if n := f.child("nodes"); n != nil {
		return n.sel
	}
	if ed := f.child("edges"); ed != nil {
		if n := ed.child("node"); n != nil {
			return n.sel
		}
	}
	return nil
}

func checkBulkConnections(f *field, depth int, count *int) error {
	if isBulkConnection(f) {
		*count++
		if *count > 5 {
			return fmt.Errorf("a bulk query may select at most 5 connections")
		}
		if depth > 2 {
			return fmt.Errorf("connections of a bulk query may be nested 2 deep at most (%s)", f.name)
		}
		if _, ok := f.args["first"]; ok {
			return fmt.Errorf("connections of a bulk query take no first argument (%s)", f.name)
		}
		if _, ok := f.args["last"]; ok {
			return fmt.Errorf("connections of a bulk query take no last argument (%s)", f.name)
		}
		for _, c := range connectionNodeSel(f) {
			if err := checkBulkConnections(c, depth+1, count); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range f.sel {
		if err := checkBulkConnections(c, depth, count); err != nil {
			return err
		}
	}
	return nil
}

// bulkWriter writes the JSONL lines of a bulk result.
type bulkWriter struct {
	e        *executor
	group    bool
	parents  bytes.Buffer
	children bytes.Buffer // the nested lines when they are not grouped
	objects  int
}

// emit writes the line of one node and then the lines of its nested
// connections' nodes.
func (b *bulkWriter) emit(node map[string]any, sel []*field, typ, parentID string) error {
	// The fields come in the order of the selection, as in a GraphQL
	// answer, and __parentId last.
	var line bytes.Buffer
	line.WriteByte('{')
	put := func(key string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if line.Len() > 1 {
			line.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		line.Write(k)
		line.WriteByte(':')
		line.Write(data)
		return nil
	}
	var conns []*field
	for _, c := range sel {
		if c.on != "" && c.on != typ {
			continue
		}
		if isBulkConnection(c) {
			conns = append(conns, c)
			continue
		}
		var v any = typ
		if c.name != "__typename" {
			val := node[c.name]
			if c.name == "product" {
				val = b.e.product(val)
			}
			var err error
			if v, err = b.e.project(val, c, adminSchema.fieldType(typ, c.name)); err != nil {
				return err
			}
		}
		if err := put(c.key(), v); err != nil {
			return err
		}
	}
	if parentID != "" {
		if err := put("__parentId", parentID); err != nil {
			return err
		}
	}
	line.WriteString("}\n")
	out := &b.parents
	if parentID != "" && !b.group {
		out = &b.children
	}
	out.Write(line.Bytes())
	b.objects++
	id, _ := node["id"].(string)
	for _, c := range conns {
		stored, _ := node[c.name].(map[string]any)
		nodes, _ := stored["nodes"].([]any)
		for _, n := range nodes {
			child, ok := n.(map[string]any)
			if !ok {
				continue
			}
			if err := b.emit(child, connectionNodeSel(c), adminSchema.nodeType(adminSchema.fieldType(typ, c.name)), id); err != nil {
				return err
			}
		}
	}
	return nil
}

// serveBulk serves GET /bulk/{n}.jsonl?sig=…, the result file of a bulk
// operation, as a storage service serves a signed URL: the signature is
// checked, no access token is needed. Queued faults (Fail) and the fault
// plan apply to it (under BulkFaultEndpoint).
func (s *Server) serveBulk(w http.ResponseWriter, r *http.Request) {
	req := Request{Method: r.Method, Path: r.URL.Path, Token: r.Header.Get("X-Shopify-Access-Token") != "", Range: r.Header.Get("Range")}
	s.mu.Lock()
	s.rec.Count("requests")
	record := func(outcome string) {
		req.Outcome = outcome
		s.rec.Add(req)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.rec.Count("errors")
		record("error")
		s.mu.Unlock()
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	n, _ := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/bulk/"), ".jsonl")
	op := s.bulkOps["gid://shopify/BulkOperation/"+n]
	if op == nil || op.status != bulkCompleted || len(op.data) == 0 || r.URL.Query().Get("sig") != op.sig {
		s.rec.Count("errors")
		record("error")
		s.mu.Unlock()
		http.Error(w, "AccessDenied: the signed URL is not valid", http.StatusForbidden)
		return
	}
	if s.queuedFault(w, req, true) {
		s.mu.Unlock()
		return
	}
	data := op.data
	cut := s.bulk.CutDownloads > 0
	if cut {
		s.bulk.CutDownloads--
	}
	s.mu.Unlock()
	serve := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.rec.Count("bulk_download")
		if cut {
			record("cut")
		} else {
			record("ok")
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/jsonl")
		if cut {
			w.WriteHeader(http.StatusOK)
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush() // no Content-Length: the client cannot tell the file is cut
			}
			_, _ = w.Write(data[:len(data)/2])
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	})
	if !s.faults.Serve(w, r, BulkFaultEndpoint, false, serve) {
		s.rec.Count("faults")
		record("fault")
	}
}
