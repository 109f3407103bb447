package rosync

import (
	"context"
	"errors"
	"html"
	"slices"
	"strings"
	"sync"
	"time"
)

// Categories (PRD-5, WOO-P2..P4).
//
// A product's category is one RO App category: the title of the last
// element of Product.Category. When RO App has a category of that title
// anywhere in its tree (titles compared trimmed, case-insensitively, with
// HTML entities decoded), it is used; when several have that title, the
// one whose parents' titles match the platform's chain best wins (compared
// from the nearest parent up: the most levels matched, then a candidate
// whose whole chain of parents matched, then the lowest id). Otherwise one
// category of that title is created at the top level. Ancestors are never
// created.
//
// RO App's categories are few, so the Syncer lists them all
// (ROIndexLister.ListCategories) once, keeps them in memory (categoryCache)
// and lists them again when a title is missing from its copy, at most once
// per Options.IndexMaxAge, and always after a create whose outcome was
// unknown (ENG-1). A category someone creates in RO App within that
// interval before an order names its title can therefore be created a
// second time. Without a lister the Syncer asks FindCategory for a
// top-level category of that title, and categories deeper in the tree are
// not found.
//
// The create stays behind the title's identity key, its Store lock and a
// timed pending intent with its quarantine (findOrCreate's protocol), so
// that two orders, two replicas or a retry after a lost answer create one
// category (ENG-1).

// categoryKey is the identity key of a category title: the lock and the
// pending-create intent of its create, and the id rosync created or found.
func categoryKey(title string) string { return "category/title/" + normTitle(title) }

// normTitle is a category title as PRD-5 compares them: HTML entities
// decoded ("&amp;" is "&"), trimmed, lower-cased.
func normTitle(s string) string {
	return strings.ToLower(strings.TrimSpace(html.UnescapeString(s)))
}

// categoryChain returns the platform's category path as PRD-5 reads it:
// titles decoded and trimmed, empty ones dropped; the last is the
// product's category.
func categoryChain(path []string) []string {
	out := make([]string, 0, len(path))
	for _, t := range path {
		if t = strings.TrimSpace(html.UnescapeString(t)); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// categoryCache is the Syncer's copy of RO App's category list.
type categoryCache struct {
	// refreshMu lets one goroutine at a time list the categories.
	refreshMu sync.Mutex

	mu       sync.Mutex
	loaded   bool
	listedAt time.Time // when the last listing started (our clock)
	byID     map[int64]ROCategory
	byTitle  map[string][]int64 // normTitle -> ids, ascending
}

// setLocked replaces the list; c.mu is held.
func (c *categoryCache) setLocked(cats []ROCategory, at time.Time) {
	c.byID = make(map[int64]ROCategory, len(cats))
	c.byTitle = make(map[string][]int64, len(cats))
	for _, cat := range cats {
		c.addLocked(cat)
	}
	c.loaded, c.listedAt = true, at
}

// set replaces the list with what a listing that started at at returned.
func (c *categoryCache) set(cats []ROCategory, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(cats, at)
}

func (c *categoryCache) addLocked(cat ROCategory) {
	if c.byID == nil {
		c.byID, c.byTitle = map[int64]ROCategory{}, map[string][]int64{}
	}
	if _, dup := c.byID[cat.ID]; dup {
		return
	}
	c.byID[cat.ID] = cat
	k := normTitle(cat.Title)
	ids := c.byTitle[k]
	i, _ := slices.BinarySearch(ids, cat.ID)
	c.byTitle[k] = slices.Insert(ids, i, cat.ID)
}

// add records a category rosync created or found.
func (c *categoryCache) add(cat ROCategory) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		c.addLocked(cat)
	}
}

// pick returns the category of that title that fits the platform's chain
// of parents best (nearest parent last), and whether there is one.
func (c *categoryCache) pick(title string, parents []string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := c.byTitle[normTitle(title)]
	if len(ids) == 0 {
		return 0, false
	}
	best, bestScore, bestFull := int64(0), -1, false
	for _, id := range ids { // ascending: ties keep the lowest id
		score, p := 0, c.byID[id].ParentID
		for i := len(parents) - 1; i >= 0 && p != 0; i-- {
			pc, ok := c.byID[p]
			if !ok || normTitle(pc.Title) != normTitle(parents[i]) {
				break
			}
			score, p = score+1, pc.ParentID
		}
		// full: every parent of the candidate matched (a top-level
		// category fits a chain without parents).
		full := p == 0 && score == len(parents)
		if score > bestScore || (score == bestScore && full && !bestFull) {
			best, bestScore, bestFull = id, score, full
		}
	}
	return best, true
}

// listCategories lists RO App's categories into the cache when it is not
// loaded, when force is set, or when it is older than the index interval
// (a lookup missed). It reports an error only when the cache is unusable.
func (s *Syncer) listCategories(ctx context.Context, l ROIndexLister, force bool) error {
	c := s.cats
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	c.mu.Lock()
	fresh := c.loaded && !force && s.clock().Sub(c.listedAt) <= s.indexMaxAge
	c.mu.Unlock()
	if fresh {
		return nil
	}
	start := s.clock()
	var cats []ROCategory
	for cat, err := range l.ListCategories(ctx) {
		if err != nil {
			return err
		}
		cats = append(cats, cat)
	}
	c.set(cats, start)
	return nil
}

// resolveCategory returns the RO App id of the product's category (PRD-5),
// 0 for no category. See the comment at the top of this file.
func (s *Syncer) resolveCategory(ctx context.Context, path []string, doubt bool) (int64, error) {
	chain := categoryChain(path)
	if len(chain) == 0 {
		return 0, nil
	}
	title, parents := chain[len(chain)-1], chain[:len(chain)-1]
	key := categoryKey(title)
	create := func() (int64, error) {
		if err := checkLock(ctx); err != nil {
			return 0, err
		}
		id, err := s.ro.CreateCategory(ctx, ROCategory{Title: title})
		if err != nil {
			return 0, err
		}
		s.cats.add(ROCategory{ID: id, Title: title})
		return id, nil
	}
	l, ok := s.ro.(ROIndexLister)
	if !ok {
		find := func(bool) (int64, error) {
			c, err := s.ro.FindCategory(ctx, title, 0)
			return c.ID, err
		}
		return s.findOrCreate(ctx, key, doubt, find, create)
	}

	s.cats.mu.Lock()
	loaded := s.cats.loaded
	s.cats.mu.Unlock()
	if !loaded {
		if err := s.listCategories(ctx, l, false); err != nil {
			return 0, err
		}
	}
	if id, ok := s.cats.pick(title, parents); ok {
		return id, nil
	}

	unlock, err := s.lockAll(ctx, key)
	if err != nil {
		return 0, err
	}
	defer unlock()
	got, err := s.store.Identity(ctx, key)
	switch {
	case err == nil && !isPending(got.Hash):
		// Created (or found) by rosync since this Syncer last listed.
		s.cats.add(ROCategory{ID: got.ID, Title: title})
		return got.ID, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return 0, &storeError{err}
	}
	pending := err == nil
	// A miss: list again (at most once per interval), and always when an
	// earlier create of this title may have happened.
	if err := s.listCategories(ctx, l, pending || doubt); err != nil {
		return 0, err
	}
	if id, ok := s.cats.pick(title, parents); ok {
		return id, s.putIdentities(ctx, []string{key}, Identity{ID: id})
	}
	if pending {
		// Not in RO App's list yet: a create in doubt may still land.
		if err := s.quarantined("category", got.Hash); err != nil {
			return 0, err
		}
	}
	if err := s.putIdentities(ctx, []string{key}, Identity{Hash: pendingMark(s.clock())}); err != nil {
		return 0, err
	}
	id, err := create()
	if err != nil {
		return 0, s.createFailed(ctx, []string{key}, err)
	}
	return id, s.putIdentities(ctx, []string{key}, Identity{ID: id})
}
