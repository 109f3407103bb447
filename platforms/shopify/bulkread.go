package shopify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// This file reads the JSONL result of a bulk operation. With groupObjects,
// a line without "__parentId" is an order (the fields of orderNodeFields,
// without lineItems) and the lines that follow it with its id as
// "__parentId" are its line items. The stream keeps one order at a time:
// when the next order line (or the end) comes, the order's line items are
// put back under it as {"lineItems": {"nodes": [...]}} and the node goes
// through the same decoding and validation as a list page's (build).

// bulkResultPath names the download in errors and logs: the signed URL
// itself is a credential and never appears.
const bulkResultPath = "bulk operation result"

// maxBulkLine bounds one line of a result.
const maxBulkLine = 4 << 20

// maxBulkLines bounds the line items kept for one order, as many as the
// paged path reads with its follow-up queries.
const maxBulkLines = maxLinePages * linesPerFollowUp

// bulkStream reads the result of one bulk operation. After a failed
// download, it asks for the rest of the file from where the first
// unfinished order began (an HTTP Range request), or, when the server
// sends the whole file again, skips the orders already yielded.
type bulkStream struct {
	p       *Platform
	id      string // the operation, for logs
	url     string
	size    int64 // fileSize, when hasSize
	hasSize bool
	objects int64
	limited bool
	yield   func(rosync.Order, error) bool

	done        int   // orders handled (yielded or skipped as vanished)
	resume      int64 // offset of the first unfinished order's line
	lines       int64 // lines read in the file, for the objectCount check
	resumeLines int64 // lines before resume
	last        time.Time
	unordered   bool // the result was seen out of creation order
	stopped     bool // the consumer stopped, or an error was yielded
	idle        *time.Timer
}

// bulkGroup is an order line and the line item lines that follow it.
type bulkGroup struct {
	line    []byte
	id      string
	lines   [][]byte
	badLine int  // index of the first malformed line item line, -1 for none
	tooMany bool // more than maxBulkLines line items
}

// retryableDownload is a failure of the download that another attempt may
// not meet: a network error, a 429 or 5xx, a cut transfer.
type retryableDownload struct {
	err  error
	wait time.Duration // Retry-After, when the server sent one
}

func (e *retryableDownload) Error() string { return e.err.Error() }
func (e *retryableDownload) Unwrap() error { return e.err }

// run reads the result, retrying a failed download with back-off, and
// yields the orders; the last error, if any, is yielded last.
func (s *bulkStream) run(ctx context.Context) {
	c := s.p.c
	for attempt := 0; ; {
		err := s.read(ctx)
		if err == nil || s.stopped {
			return
		}
		var retry *retryableDownload
		if !errors.As(err, &retry) || attempt >= c.retryMax || retry.wait > c.waitMax {
			s.yield(rosync.Order{}, err)
			return
		}
		d := c.backoff(attempt)
		if retry.wait > 0 {
			d = retry.wait
		}
		attempt++
		c.log.DebugContext(ctx, "bulk result download failed, retrying", "id", s.id, "orders_done", s.done,
			"attempt", attempt, "wait", d, "err", err.Error())
		if err := c.sleep(ctx, d); err != nil {
			s.yield(rosync.Order{}, fmt.Errorf("shopify: %s: %w", bulkResultPath, err))
			return
		}
	}
}

// read makes one attempt at the download, from s.resume when the server
// honours a range.
func (s *bulkStream) read(ctx context.Context) error {
	c := s.p.c
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.idle = time.AfterFunc(c.idle, cancel)
	defer s.idle.Stop()
	req, err := http.NewRequestWithContext(dctx, http.MethodGet, s.url, nil)
	if err != nil {
		return fmt.Errorf("shopify: %s: the URL Shopify gave cannot be requested", bulkResultPath)
	}
	// No access token: the URL is signed, and the token is not the
	// storage service's to see.
	req.Header.Set("Accept", "application/jsonl, application/x-ndjson, */*")
	req.Header.Set("User-Agent", userAgent)
	if s.resume > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(s.resume, 10)+"-")
	}
	resp, err := c.download.Do(req)
	if err != nil {
		return s.failure(ctx, dctx, err)
	}
	defer resp.Body.Close()
	offset, seen := int64(0), 0
	switch {
	case resp.StatusCode == http.StatusPartialContent && s.resume > 0:
		if rangeStart(resp.Header.Get("Content-Range")) != s.resume {
			s.resume = 0 // read it all next time
			return &retryableDownload{err: fmt.Errorf("shopify: %s: the server answered another range than asked", bulkResultPath)}
		}
		offset, seen, s.lines = s.resume, s.done, s.resumeLines
	case resp.StatusCode >= 200 && resp.StatusCode <= 299 && resp.StatusCode != http.StatusPartialContent:
		s.lines = 0
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		e := &rosync.APIError{Service: Name, Method: http.MethodGet, Path: bulkResultPath, Status: resp.StatusCode,
			Message: http.StatusText(resp.StatusCode)}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			ra, _ := platformkit.RetryAfter(resp.Header.Get("Retry-After"), c.now())
			return &retryableDownload{err: e, wait: ra}
		}
		return e
	}
	br := bufio.NewReaderSize(&idleReader{r: resp.Body, s: s}, 64<<10)
	var cur *bulkGroup
	for {
		line, n, complete, rerr := readBulkLine(br)
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return s.failure(ctx, dctx, rerr)
		}
		if !complete && len(bytes.TrimSpace(line)) > 0 && !json.Valid(line) {
			// The last line has no end and does not parse: the file is cut.
			return &retryableDownload{err: fmt.Errorf("shopify: %s: the file ends in the middle of a line (%d bytes read)", bulkResultPath, offset+n)}
		}
		if len(bytes.TrimSpace(line)) > 0 {
			s.lines++
			l := scanBulkLine(line)
			switch {
			case !l.child:
				if cur != nil && !s.finish(ctx, cur) {
					return nil
				}
				cur = nil
				seen++
				if seen > s.done {
					s.resume, s.resumeLines = offset, s.lines-1
					cur = &bulkGroup{line: line, id: l.id, badLine: -1}
				}
			case seen == 0:
				return fmt.Errorf("shopify: %s: a line item of %s comes before any order", bulkResultPath, l.parent)
			case seen <= s.done:
				// A line item of an order read before a retry.
			case cur.id != "" && l.parent != "" && l.parent != cur.id:
				return fmt.Errorf("shopify: %s: a line item of %s follows order %s (the result is not grouped by order)",
					bulkResultPath, l.parent, cur.id)
			default:
				cur.add(line, l.valid)
			}
		}
		offset += n
		if rerr != nil {
			break
		}
	}
	if s.hasSize && offset < s.size {
		return &retryableDownload{err: fmt.Errorf("shopify: %s: the file ends after %d of its %d bytes", bulkResultPath, offset, s.size)}
	}
	if s.hasSize && offset > s.size {
		s.p.log.WarnContext(ctx, "bulk result longer than its fileSize", "id", s.id, "bytes", offset, "fileSize", s.size)
	}
	if s.objects > 0 && s.lines != s.objects {
		s.p.log.WarnContext(ctx, "bulk result lines differ from its objectCount", "id", s.id, "lines", s.lines, "objectCount", s.objects)
	}
	if cur != nil {
		s.finish(ctx, cur)
	}
	return nil
}

// failure maps an error of the request or of reading the body.
func (s *bulkStream) failure(ctx, dctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("shopify: %s: %w", bulkResultPath, ctxErr)
	}
	if errors.Is(err, errBulkLineTooLong) {
		return err
	}
	if dctx.Err() != nil {
		return &retryableDownload{err: fmt.Errorf("shopify: %s: no data for %s", bulkResultPath, s.p.c.idle)}
	}
	// A *url.Error would print the signed URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &retryableDownload{err: fmt.Errorf("shopify: %s: GET: %s", bulkResultPath, s.p.c.redact(err.Error()))}
}

// finish builds and yields an order; it reports whether to go on.
func (s *bulkStream) finish(ctx context.Context, g *bulkGroup) bool {
	s.done++
	o, err := s.build(ctx, g)
	var inv *rosync.InvalidOrderError
	switch {
	case err == nil:
		if o.CreatedAt.Before(s.last) && !s.unordered {
			s.unordered = true
			s.p.log.WarnContext(ctx, "bulk result not in creation order", "id", s.id, "order", o.ID)
		}
		if o.CreatedAt.After(s.last) {
			s.last = o.CreatedAt
		}
	case errors.As(err, &inv):
	case errors.Is(err, rosync.ErrNotFound):
		s.p.log.DebugContext(ctx, "order vanished while being read", "error", err)
		return true
	default:
		s.yield(rosync.Order{}, err)
		s.stopped = true
		return false
	}
	// The time the consumer takes is not a wait for the network.
	s.idle.Stop()
	more := s.yield(o, err)
	s.idle.Reset(s.p.c.idle)
	if !more {
		s.stopped = true
	}
	return more
}

// build decodes an order line with its line items as a list page's node.
func (s *bulkStream) build(ctx context.Context, g *bulkGroup) (rosync.Order, error) {
	if !json.Valid(g.line) {
		return s.p.build(ctx, g.line, s.limited) // the order line's own decoding error
	}
	if g.badLine >= 0 || g.tooMany {
		id, number := peekIdentity(g.line)
		e := &rosync.InvalidOrderError{OrderID: id, Number: number, Field: "lineItems.nodes[" + strconv.Itoa(g.badLine) + "]",
			Err: errors.New("malformed JSON line in the bulk operation result")}
		if g.badLine < 0 {
			e.Field, e.Err = "lineItems", fmt.Errorf("more than %d line items", maxBulkLines)
		}
		return rosync.Order{}, e
	}
	node, ok := withLineItems(g.line, g.lines)
	if !ok {
		return s.p.build(ctx, g.line, s.limited)
	}
	return s.p.build(ctx, node, s.limited)
}

func (g *bulkGroup) add(line []byte, valid bool) {
	switch {
	case g.tooMany || g.badLine >= 0:
	case len(g.lines) >= maxBulkLines:
		g.tooMany, g.lines = true, nil
	case !valid:
		g.badLine, g.lines = len(g.lines), nil
	default:
		g.lines = append(g.lines, line)
	}
}

// withLineItems returns the order object line with its line items under
// lineItems, as a list page has them (a last page: no next cursor); false
// when the line is not an object.
func withLineItems(order []byte, lines [][]byte) ([]byte, bool) {
	t := bytes.TrimSpace(order)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, false
	}
	inner := bytes.TrimSpace(t[1 : len(t)-1])
	size := len(inner) + 96
	for _, l := range lines {
		size += len(l) + 1
	}
	var b bytes.Buffer
	b.Grow(size)
	b.WriteByte('{')
	b.Write(inner)
	if len(inner) > 0 {
		b.WriteByte(',')
	}
	b.WriteString(`"lineItems":{"pageInfo":{"hasNextPage":false,"endCursor":null},"nodes":[`)
	for i, l := range lines {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(l)
	}
	b.WriteString(`]}}`)
	return b.Bytes(), true
}

// bulkLine is what the stream needs of a line: is it a line item (a child,
// with "__parentId") or an order, and their ids.
type bulkLine struct {
	valid  bool
	child  bool
	id     string
	parent string
}

// scanBulkLine reads a line's top-level id and __parentId, as far as the
// JSON can be read. A malformed line may have lost its "__parentId"
// (Shopify writes it last): it is a child when its text still holds the
// key, or when the first GID in it (the id, selected first) is not an
// order's.
func scanBulkLine(line []byte) bulkLine {
	l := bulkLine{valid: json.Valid(line)}
	platformkit.ScanObject(line, func(key string, v json.RawMessage) bool {
		switch key {
		case "id":
			_ = json.Unmarshal(v, &l.id)
		case "__parentId":
			l.child = true
			_ = json.Unmarshal(v, &l.parent)
		}
		return true
	})
	if !l.valid && !l.child {
		kind := gidKind(l.id)
		if kind == "" {
			kind = gidKind(string(line))
		}
		l.child = bytes.Contains(line, []byte(`"__parentId"`)) || (kind != "" && kind != "Order")
	}
	return l
}

// gidKind returns the kind of the first complete "gid://shopify/<kind>/" in s.
func gidKind(s string) string {
	const prefix = "gid://shopify/"
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	kind, _, ok := strings.Cut(s[i+len(prefix):], "/")
	if !ok || strings.ContainsAny(kind, `"\ `) {
		return ""
	}
	return kind
}

var errBulkLineTooLong = fmt.Errorf("shopify: %s: a line is longer than %d bytes", bulkResultPath, maxBulkLine)

// readBulkLine reads one line into a new slice, without its end of line;
// n counts the bytes consumed, complete whether the line had an end.
func readBulkLine(br *bufio.Reader) (line []byte, n int64, complete bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if len(line)+len(chunk) > maxBulkLine+2 {
			return nil, n, false, errBulkLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			return line, n, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, n, false, err
		}
	}
}

// rangeStart reads the first byte of a Content-Range "bytes a-b/c"; -1
// when it cannot.
func rangeStart(h string) int64 {
	var start, end, total int64
	if _, err := fmt.Sscanf(h, "bytes %d-%d/%d", &start, &end, &total); err != nil {
		if _, err := fmt.Sscanf(h, "bytes %d-%d/*", &start, &end); err != nil {
			return -1
		}
	}
	return start
}

// idleReader restarts the stream's idle timer whenever bytes arrive.
type idleReader struct {
	r io.Reader
	s *bulkStream
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.s.idle.Reset(r.s.p.c.idle)
	}
	return n, err
}
