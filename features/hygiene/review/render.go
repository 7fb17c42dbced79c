package review

import (
	"bufio"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"rolemine/features/hygiene"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

// itemView is an item as the templates and CSV files show it.
type itemView struct {
	Reviewer, Identity, IdentityName, Entitlement, Label string
	Risk, RiskClass, Suggestion, Confidence, Reason      string
	Lean, Group, Why, Peers, LastUse, Role, Past         string
	Findings                                             string
	Share                                                string // peer share in percent, for routine rows
	Source                                               string // why held, short, for routine rows
}

func (c *Campaign) itemView(reviewer string, it *Item) itemView {
	d := c.Data
	id, ent := &d.Identities[it.Identity], &d.Entitlements[it.Entitlement]
	ev := &it.Evidence
	x := c.view.explain(it, c.Duplicates, reviewer)
	v := itemView{Reviewer: reviewer, Identity: id.ID, IdentityName: id.Name, Entitlement: ent.ID, Label: ent.Label(),
		Risk: riskText(ev), RiskClass: ent.Risk, Suggestion: it.Suggestion, Reason: x.Reason, Group: it.Group,
		Lean: x.Lean, Why: x.Why, Peers: x.Peers, LastUse: x.LastUse, Role: x.Role, Past: x.Past, Findings: x.Findings}
	if it.Suggestion != Decide {
		v.Confidence = strconv.FormatFloat(it.Confidence, 'f', 2, 64)
	}
	if held, peers, _ := c.view.peers.Coverage(ev.Assignment); peers > 0 {
		v.Share = strconv.Itoa(held) + " of " + strconv.Itoa(peers)
	}
	v.Source = orDash(ev.Source.String())
	if ev.Source == hygiene.SourceUnknown && ev.Request >= 0 {
		v.Source = "request"
	}
	return v
}

// counts are the items of each group, for the templates (a map would
// print nothing for a missing group).
type counts struct{ Decide, Revoke, Keep, Routine, Items, Reviewers int }

func countsOf(m map[string]int) counts {
	return counts{m[GroupDecide], m[GroupRevoke], m[GroupKeep], m[GroupRoutine], m["items"], m["reviewers"]}
}

// packetView is the head of a packet page.
type packetView struct {
	Reviewer, Name, AsOf, Prepared, By string
	Total                              int
	Counts                             counts
	Notes                              []string
}

// WritePacketHTML writes p as one self-contained HTML page. The page's
// frame is html/template (templates/packet.html, in parts); the item
// rows, the bulk of it, are written between the parts by htmlWriter,
// which escapes every value as html/template's escaper does
// (template.HTMLEscape) and puts values only in element text and quoted
// class names, so they need no other context.
func (c *Campaign) WritePacketHTML(w io.Writer, p *Packet) error {
	bw := bufio.NewWriter(w)
	if err := c.writePacketHTML(bw, p, c.views(p.Reviewer, c.Items(p))); err != nil {
		return err
	}
	return bw.Flush()
}

// packetGroups are the sections of a packet page, in page order.
var packetGroups = []struct{ group, title string }{
	{GroupDecide, "Decide first"}, {GroupRevoke, "Suggested revoke"}, {GroupKeep, "Suggested keep"},
	{GroupRoutine, "Routine: confirm together"},
}

// sectionView is the heading of one group's section of a packet page.
type sectionView struct {
	Group, Title string
	N            int
	Routine      bool
}

func (c *Campaign) writePacketHTML(w *bufio.Writer, p *Packet, views []itemView) error {
	pv := packetView{Reviewer: reviewerText(p), Name: p.Name, AsOf: day(c.AsOf), Prepared: c.preparedDay(), By: c.Options.By,
		Total: len(views), Notes: p.Notes}
	byGroup := map[string]int{} // the packet's own count: p.Counts may not be filled yet
	for k := range views {
		byGroup[views[k].Group]++
	}
	pv.Counts = countsOf(byGroup)
	if err := templates.ExecuteTemplate(w, "packet-head", pv); err != nil {
		return err
	}
	h := htmlWriter{w}
	for _, g := range packetGroups {
		if n := byGroup[g.group]; n > 0 {
			s := sectionView{Group: g.group, Title: g.title, N: n, Routine: g.group == GroupRoutine}
			if err := templates.ExecuteTemplate(w, "packet-section", s); err != nil {
				return err
			}
			if s.Routine {
				h.routineRows(views, g.group)
			} else {
				h.itemRows(views, g.group)
			}
			if err := templates.ExecuteTemplate(w, "packet-section-end", s); err != nil {
				return err
			}
		}
		w.WriteString("\n")
	}
	return templates.ExecuteTemplate(w, "packet-tail", nil)
}

// htmlWriter writes markup and escaped values. Its writes go to a
// bufio.Writer, which keeps the first error for its Flush.
type htmlWriter struct{ w *bufio.Writer }

func (h htmlWriter) tag(s string) { h.w.WriteString(s) }

// text writes s escaped as template.HTMLEscape does, byte by byte, without
// copying it.
func (h htmlWriter) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case 0:
			esc = "\uFFFD"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		default:
			continue
		}
		h.w.WriteString(s[last:i])
		h.w.WriteString(esc)
		last = i + 1
	}
	h.w.WriteString(s[last:])
}

// itemRows writes one table row per item of group with its full
// evidence.
func (h htmlWriter) itemRows(views []itemView, group string) {
	for k := range views {
		v := &views[k]
		if v.Group != group {
			continue
		}
		h.tag("<tr><td>")
		h.text(v.Identity)
		h.tag("<br>")
		h.text(v.IdentityName)
		h.tag("</td><td>")
		h.text(v.Entitlement)
		h.tag(" ")
		h.text(v.Label)
		h.tag(`<br><span class="risk-`)
		h.text(v.RiskClass)
		h.tag(`">`)
		h.text(v.Risk)
		h.tag(`</span></td><td class="s-`)
		h.text(v.Suggestion)
		h.tag(`"><b>`)
		h.text(v.Suggestion)
		h.tag("</b> ")
		h.text(v.Confidence)
		h.tag("<br>")
		h.text(v.Reason)
		if v.Lean != "" {
			h.tag("<br><i>")
			h.text(v.Lean)
			h.tag("</i>")
		}
		h.tag("</td><td>held: ")
		h.text(v.Why)
		h.tag("<br>peers: ")
		h.text(v.Peers)
		h.tag("<br>last use: ")
		h.text(v.LastUse)
		h.labelled("role", v.Role)
		h.labelled("reviews", v.Past)
		h.labelled("findings", v.Findings)
		h.tag("</td></tr>\n")
	}
}

// labelled writes a line break, label and value, when the value is set.
func (h htmlWriter) labelled(label, value string) {
	if value != "" {
		h.tag("<br>")
		h.tag(label)
		h.tag(": ")
		h.text(value)
	}
}

// routineRows writes the items of group compactly, in a table per
// identity.
func (h htmlWriter) routineRows(views []itemView, group string) {
	open, identity := false, ""
	for k := range views {
		v := &views[k]
		if v.Group != group {
			continue
		}
		if !open || v.Identity != identity {
			if open {
				h.tag("</table>\n")
			}
			open, identity = true, v.Identity
			h.tag("<h3>")
			h.text(v.Identity)
			if v.IdentityName != "" {
				h.tag(" (")
				h.text(v.IdentityName)
				h.tag(")")
			}
			h.tag(": ")
			h.tag(strconv.Itoa(sameIdentity(views[k:], group)))
			h.tag(" items</h3>\n<table class=\"routine\">\n" +
				"<tr><th>entitlement</th><th>risk</th><th>peers holding it</th><th>held by</th><th>last use</th><th>confidence</th></tr>\n")
		}
		h.tag("<tr><td>")
		h.text(v.Entitlement)
		h.tag(" ")
		h.text(v.Label)
		for _, x := range [...]string{v.Risk, v.Share, v.Source, v.LastUse, v.Confidence} {
			h.tag("</td><td>")
			h.text(x)
		}
		h.tag("</td></tr>\n")
	}
	if open {
		h.tag("</table>\n")
	}
}

// sameIdentity counts the items of group at the start of views that
// belong to views[0]'s identity, skipping items of other groups in
// between.
func sameIdentity(views []itemView, group string) int {
	n := 0
	for k := range views {
		switch {
		case views[k].Group != group:
		case views[k].Identity != views[0].Identity:
			return n
		default:
			n++
		}
	}
	return n
}

// views returns the items of reviewer's packet as shown.
func (c *Campaign) views(reviewer string, items []Item) []itemView {
	return c.appendViews(nil, reviewer, items)
}

// appendViews appends the items of reviewer's packet as shown to dst.
func (c *Campaign) appendViews(dst []itemView, reviewer string, items []Item) []itemView {
	for k := range items {
		dst = append(dst, c.itemView(reviewer, &items[k]))
	}
	return dst
}

func reviewerText(p *Packet) string {
	if p.Reviewer == Unassigned {
		return "unassigned"
	}
	return p.Reviewer
}

// PacketHeader is the header of packet CSV files.
var PacketHeader = []string{"reviewer_id", "identity_id", "identity_name", "entitlement_id", "entitlement", "risk",
	"suggestion", "confidence", "group", "reason", "evidence_leans", "why_held", "peers", "last_use", "role_fit",
	"past_reviews", "findings", "decision"}

// WritePacketCSV writes p's items, in review order, with an empty decision
// column for the reviewer.
func (c *Campaign) WritePacketCSV(w io.Writer, p *Packet) error {
	return writePacketCSV(w, c.views(p.Reviewer, c.Items(p)))
}

func writePacketCSV(w io.Writer, views []itemView) error {
	cw := csv.NewWriter(w)
	cw.Write(PacketHeader)
	for k := range views {
		v := &views[k]
		cw.Write([]string{v.Reviewer, v.Identity, v.IdentityName, v.Entitlement, v.Label, v.Risk, v.Suggestion,
			v.Confidence, v.Group, v.Reason, v.Lean, v.Why, v.Peers, v.LastUse, v.Role, v.Past, v.Findings, ""})
	}
	cw.Flush()
	return cw.Error()
}

// FileName returns the base name of p's packet files (add .html or .csv):
// "packet-" and the reviewer id with unsafe characters replaced.
func FileName(p *Packet) string {
	if p.Reviewer == Unassigned {
		return "packet-unassigned"
	}
	var b strings.Builder
	b.WriteString("packet-")
	for _, r := range p.Reviewer {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "~%x", r)
		}
	}
	return b.String()
}

// Summary is the campaign summary written as summary.json.
type Summary struct {
	AsOf              string         `json:"as_of"`
	Prepared          string         `json:"prepared"`
	By                string         `json:"by"`
	IncludeBirthright bool           `json:"include_birthright"`
	Totals            map[string]int `json:"totals"`
	Replay            *Replay        `json:"replay,omitempty"`
	Warnings          []string       `json:"warnings"`
	Packets           []PacketRow    `json:"packets"`
}

// PacketRow is one reviewer's line of the summary.
type PacketRow struct {
	Reviewer string `json:"reviewer_id"`
	Name     string `json:"reviewer_name"`
	Items    int    `json:"items"`
	Decide   int    `json:"decide"`
	Revoke   int    `json:"revoke"`
	Keep     int    `json:"keep"`
	Routine  int    `json:"routine"`
	HTML     string `json:"html"`
	CSV      string `json:"csv"`
}

// preparedDay is the day the packets were made: Prepared, or AsOf when
// it is not set.
func (c *Campaign) preparedDay() string {
	if c.Prepared == 0 {
		return day(c.AsOf)
	}
	return day(c.Prepared)
}

// Summary returns the campaign summary with the replay (may be nil). It
// counts the items first if they are not counted (see Count).
func (c *Campaign) Summary(replay *Replay) *Summary {
	c.Count()
	s := &Summary{AsOf: day(c.AsOf), Prepared: c.preparedDay(), By: c.Options.By, IncludeBirthright: c.Options.IncludeBirthright,
		Totals: c.Totals, Replay: replay, Warnings: c.Warnings}
	if s.Warnings == nil {
		s.Warnings = []string{}
	}
	for _, p := range c.Packets {
		name := FileName(p)
		s.Packets = append(s.Packets, PacketRow{Reviewer: p.Reviewer, Name: p.Name, Items: p.Len(),
			Decide: p.Counts[GroupDecide], Revoke: p.Counts[GroupRevoke], Keep: p.Counts[GroupKeep],
			Routine: p.Counts[GroupRoutine], HTML: name + ".html", CSV: name + ".csv"})
	}
	return s
}

// WriteDir writes every packet as HTML and CSV into dir, with
// summary.csv, summary.html and summary.json: WritePackets then
// WriteSummary.
func (c *Campaign) WriteDir(dir string, replay *Replay) error {
	if err := c.WritePackets(dir, nil); err != nil {
		return err
	}
	return c.WriteSummary(dir, replay)
}

// WritePackets writes every packet as HTML and CSV into dir (FileName plus
// .html and .csv), creating dir. The packets' items are built and rendered
// on GOMAXPROCS goroutines, a few packets at a time, so that memory does
// not grow with the campaign. When done is not nil, it is called on the
// calling goroutine with each packet, in packet order, and its items in
// review order, once the packet's files are written. done must not keep
// the items after it returns: their buffer is reused for later packets.
// An error from done or from writing stops the writing and is returned.
func (c *Campaign) WritePackets(dir string, done func(p *Packet, items []Item) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return c.streamPackets(func(p *Packet, items []Item) error {
		s := packetScratchPool.Get().(*packetScratch)
		defer s.release()
		name := filepath.Join(dir, FileName(p))
		s.views = c.appendViews(s.views[:0], p.Reviewer, items)
		err := writeFileThrough(s.w, name+".html", func(w *bufio.Writer) error { return c.writePacketHTML(w, p, s.views) })
		if err != nil {
			return err
		}
		return writeFileThrough(s.w, name+".csv", func(w *bufio.Writer) error { return writePacketCSV(w, s.views) })
	}, done)
}

// packetScratch is what a goroutine writing packets reuses from one packet
// to the next: the files' buffer and the items as shown.
type packetScratch struct {
	w     *bufio.Writer
	views []itemView
}

var packetScratchPool = sync.Pool{New: func() any { return &packetScratch{w: bufio.NewWriterSize(nil, fileBuffer)} }}

// release returns s to the pool, holding no packet's values.
func (s *packetScratch) release() {
	clear(s.views)
	s.w.Reset(nil)
	packetScratchPool.Put(s)
}

// packetsAhead is how many packets per goroutine streamPackets builds
// ahead of the one it hands to done.
const packetsAhead = 2

// streamPackets builds the items of every packet and calls write with them
// on GOMAXPROCS goroutines, then done (when not nil) on the calling
// goroutine, in packet order. At most (packetsAhead+1)·GOMAXPROCS packets'
// items are held at once. It sets each packet's Counts from its items, and
// the Totals once every packet is through. The first error stops the
// stream; packets being written then are finished, and no more are
// started.
func (c *Campaign) streamPackets(write, done func(*Packet, []Item) error) error {
	type result struct {
		p     *Packet
		items []Item
		err   error
	}
	type job struct {
		p    *Packet
		slot chan result
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job)
	order := make(chan chan result, packetsAhead*workers) // one slot per packet, in packet order
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				items := c.appendItems(takeItems(), j.p)
				j.p.Counts = groupCounts(items)
				j.slot <- result{j.p, items, write(j.p, items)}
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for _, p := range c.Packets {
			slot := make(chan result, 1) // a worker never waits for done
			select {
			case order <- slot:
			case <-stop:
				return
			}
			select {
			case jobs <- job{p, slot}:
			case <-stop:
				return
			}
		}
	}()
	var err error
	for slot := range order {
		r := <-slot
		err = r.err
		if err == nil && done != nil {
			err = done(r.p, r.items)
		}
		releaseItems(r.items)
		if err != nil {
			break
		}
	}
	if err != nil {
		close(stop)
		for range order { // slots whose job may never have been sent
		}
	}
	wg.Wait()
	if err == nil && !c.counted {
		c.addTotals()
	}
	return err
}

// itemsPool holds the item buffers of streamPackets, reused once done has
// seen their packet.
var itemsPool sync.Pool

func takeItems() []Item {
	if p, ok := itemsPool.Get().(*[]Item); ok {
		return (*p)[:0]
	}
	return nil
}

// releaseItems returns items' buffer to itemsPool, holding no packet's
// values.
func releaseItems(items []Item) {
	clear(items)
	itemsPool.Put(&items)
}

// WriteSummary writes summary.csv, summary.html and summary.json into dir,
// with the replay when not nil.
func (c *Campaign) WriteSummary(dir string, replay *Replay) error {
	s := c.Summary(replay)
	return writeAll(dir, []fileWriter{
		{"summary.csv", s.writeCSV},
		{"summary.html", s.writeHTML},
		{"summary.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(s)
		}},
	})
}

type fileWriter struct {
	name  string
	write func(io.Writer) error
}

func writeAll(dir string, files []fileWriter) error {
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	return writeFileThrough(bufio.NewWriterSize(nil, fileBuffer), path, func(w *bufio.Writer) error { return write(w) })
}

// fileBuffer is the size of the buffer of every file written.
const fileBuffer = 64 << 10

// writeFileThrough creates path and writes it through bw, which it resets
// to the file first.
func writeFileThrough(bw *bufio.Writer, path string, write func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw.Reset(f)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func (s *Summary) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"reviewer_id", "reviewer_name", "items", "decide", "revoke", "keep", "routine", "html", "csv"})
	for _, p := range s.Packets {
		cw.Write([]string{p.Reviewer, p.Name, strconv.Itoa(p.Items), strconv.Itoa(p.Decide), strconv.Itoa(p.Revoke),
			strconv.Itoa(p.Keep), strconv.Itoa(p.Routine), p.HTML, p.CSV})
	}
	cw.Flush()
	return cw.Error()
}

type replayRow struct {
	Tier, Coverage, KeepPrecision, RevokePrecision, RoutinePrecision, LeanKeep string
	Items, Keep, Revoke, Routine, Decide                                       int
}

func (s *Summary) writeHTML(w io.Writer) error {
	type replayView struct {
		Rows           []replayRow
		Approximations []string
		From           string
	}
	var rv *replayView
	if s.Replay != nil {
		rv = &replayView{Approximations: s.Replay.Approximations, From: s.Replay.From}
		pct := func(x float64, n int) string {
			if n == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f%%", 100*x)
		}
		for _, sc := range append(s.Replay.Tiers, s.Replay.Overall) {
			rv.Rows = append(rv.Rows, replayRow{Tier: sc.Tier, Items: sc.Items, Keep: sc.Keep, Revoke: sc.Revoke, Routine: sc.Routine,
				Decide: sc.Decide, Coverage: pct(sc.Coverage(), sc.Items), KeepPrecision: pct(sc.KeepPrecision(), sc.Keep),
				RevokePrecision: pct(sc.RevokePrecision(), sc.Revoke), RoutinePrecision: pct(sc.RoutinePrecision(), sc.Routine),
				LeanKeep: pct(sc.LeanKeepPrecision(), sc.LeanKeep)})
		}
	}
	return templates.ExecuteTemplate(w, "summary.html", struct {
		*Summary
		Totals counts
		Replay *replayView
	}{s, countsOf(s.Totals), rv})
}
