package review_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"rolemine/features/hygiene"
	"rolemine/features/hygiene/internal/hygienetest"
	"rolemine/features/hygiene/review"
)

// A streamed campaign equals the in-memory one: on a generated
// enterprise, WritePackets hands every packet over once, in packet order,
// with the items Items builds for it, whose groups add up to the packet's
// Counts and the campaign's Totals; the files it writes are the pages
// WritePacketHTML and WritePacketCSV render.
func TestWritePacketsStream(t *testing.T) {
	d, _ := hygienetest.Generate(t, 600)
	c := review.Prepare(d, hygiene.Run(d, hygiene.DefaultOptions), review.DefaultOptions)
	if len(c.Packets) < 10 {
		t.Fatalf("only %d packets: the stream is not exercised", len(c.Packets))
	}
	dir := t.TempDir()
	var got []*review.Packet
	err := c.WritePackets(dir, func(p *review.Packet, items []review.Item) error {
		got = append(got, p)
		if diff := cmp.Diff(c.Items(p), items, cmpopts.IgnoreUnexported(review.Item{})); diff != "" {
			t.Errorf("packet %q: streamed items (-built +streamed):\n%s", p.Reviewer, diff)
		}
		counts := map[string]int{}
		for _, it := range items {
			counts[it.Group]++
		}
		if diff := cmp.Diff(p.Counts, counts); diff != "" {
			t.Errorf("packet %q: Counts (-want +items):\n%s", p.Reviewer, diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Packets, got) {
		t.Errorf("%d packets handed over, not the %d of the campaign in their order", len(got), len(c.Packets))
	}
	totals := map[string]int{"reviewers": len(c.Packets)}
	for _, p := range c.Packets {
		for g, n := range p.Counts {
			totals[g] += n
		}
		totals["items"] += p.Len()
	}
	if diff := cmp.Diff(totals, c.Totals); diff != "" {
		t.Errorf("Totals (-sum of packets +got):\n%s", diff)
	}
	for _, p := range []*review.Packet{c.Packets[0], c.Packets[len(c.Packets)/2], c.Packets[len(c.Packets)-1]} {
		var html, csv bytes.Buffer
		if err := c.WritePacketHTML(&html, p); err != nil {
			t.Fatal(err)
		}
		if err := c.WritePacketCSV(&csv, p); err != nil {
			t.Fatal(err)
		}
		for ext, want := range map[string][]byte{".html": html.Bytes(), ".csv": csv.Bytes()} {
			file, err := os.ReadFile(filepath.Join(dir, review.FileName(p)+ext))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, file) {
				t.Errorf("%s%s differs from the page rendered alone", review.FileName(p), ext)
			}
		}
	}
}

// An error from the callback stops the stream: no later packet is handed
// over and WritePackets returns the error.
func TestWritePacketsStop(t *testing.T) {
	d, _ := hygienetest.Generate(t, 600)
	c := review.Prepare(d, nil, review.DefaultOptions)
	stop := errors.New("stop")
	calls := 0
	err := c.WritePackets(t.TempDir(), func(p *review.Packet, items []review.Item) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Errorf("WritePackets = %v after %d calls, want %v after 2", err, calls, stop)
	}
}

// Counting without writing gives the counts writing gives, and writing a
// counted campaign again counts nothing twice.
func TestCountWithoutWriting(t *testing.T) {
	d, _ := hygienetest.Generate(t, 600)
	rep := hygiene.Run(d, hygiene.DefaultOptions)
	counted := review.Prepare(d, rep, review.DefaultOptions)
	counted.Count()
	written := review.Prepare(d, rep, review.DefaultOptions)
	for range 2 {
		if err := written.WritePackets(t.TempDir(), nil); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(counted.Totals, written.Totals); diff != "" {
			t.Errorf("Totals (-Count +WritePackets):\n%s", diff)
		}
	}
	for k, p := range counted.Packets {
		if diff := cmp.Diff(p.Counts, written.Packets[k].Counts); diff != "" {
			t.Errorf("packet %q: Counts (-Count +WritePackets):\n%s", p.Reviewer, diff)
		}
	}
	if counted.Totals[review.GroupRoutine] == 0 || counted.Totals[review.GroupDecide] == 0 {
		t.Errorf("Totals %v: the generated campaign lacks routine or decide items", counted.Totals)
	}
}
