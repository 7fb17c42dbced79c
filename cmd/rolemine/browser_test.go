package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumFlags keep headless Chromium off the network: no background
// traffic, every proxied request sent to a closed loopback port and every
// host name unresolvable.
var chromiumFlags = []string{
	"--headless", "--disable-gpu", "--no-sandbox", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-extensions", "--hide-scrollbars", "--mute-audio",
	"--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
}

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "\n" + strings.Repeat("!", 72) + "\nBROWSER CHECK SKIPPED: no chromium on PATH, so the report and notebook pages\n" +
		"were NOT opened in a real browser. Install Debian's chromium package (.ci/run does).\n" + strings.Repeat("!", 72) + "\n"
	fmt.Fprint(os.Stderr, msg)
	t.Skip(msg)
	return ""
}

// probeHead records content-security-policy violations (a blocked fetch
// attempt) from the first moment; probeTail reports, once the page has
// loaded at 1400 px, each chart's rendered size, the marks outside its data
// area (data-plot) and the texts whose boxes overlap, measured by the
// browser, each table that does not fit its box or squeezes its prose to a
// word per line, and every resource the page fetched.
const (
	probeHead = `<script>window.__blocked=[];document.addEventListener('securitypolicyviolation',e=>__blocked.push(e.blockedURI+' '+e.violatedDirective));</script>`
	probeTail = `<script>window.addEventListener('load',()=>{` +
		`const inter=(a,b,t)=>Math.min(a.right,b.right)-Math.max(a.left,b.left)>t&&Math.min(a.bottom,b.bottom)-Math.max(a.top,b.top)>t;` +
		`const charts=[...document.querySelectorAll('svg.chart')].map(s=>{const r=s.getBoundingClientRect();` +
		`const d=(s.getAttribute('data-plot')||'0 0 0 0').split(' ').map(Number);const tol=8;` +
		`const area={left:r.left+d[0]-tol,top:r.top+d[1]-tol,right:r.left+d[0]+d[2]+tol,bottom:r.top+d[1]+d[3]+tol};` +
		`const outside=[...s.querySelectorAll('path.mark')].map(p=>p.getBoundingClientRect()).filter(b=>b.width+b.height>0&&(b.left<area.left||b.right>area.right||b.top<area.top||b.bottom>area.bottom)).length;` +
		`const texts=[...s.querySelectorAll('text')].map(t=>({s:t.textContent,b:t.getBoundingClientRect()}));const overlaps=[];` +
		`for(let i=0;i<texts.length;i++)for(let j=i+1;j<texts.length;j++)if(inter(texts[i].b,texts[j].b,1))overlaps.push(texts[i].s+' / '+texts[j].s);` +
		`return {title:(s.querySelector('text')||{}).textContent,w:Math.round(r.width),h:Math.round(r.height),aw:+s.getAttribute('width'),ah:+s.getAttribute('height'),` +
		`paths:s.querySelectorAll('path').length,texts:texts.length,plot:d[2]*d[3]>0,outside,overlaps}});` +
		`const tables=[...document.querySelectorAll('div.table')].map(d=>{const t=d.querySelector('table');` +
		`const squeezed=[...t.querySelectorAll('td')].filter(td=>td.textContent.length>40&&td.getBoundingClientRect().width<150).length;` +
		`return {caption:(t.caption||{}).textContent||t.querySelector('th')?.textContent||'',fits:t.getBoundingClientRect().right<=d.getBoundingClientRect().right+1,squeezed}});` +
		`const p=document.createElement('pre');p.id='probe';p.textContent=JSON.stringify({charts,tables,resources:performance.getEntriesByType('resource').map(e=>e.name),blocked:__blocked});document.body.appendChild(p);});</script>`
)

var probeOut = regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`)

// testBrowser opens each page in headless Chromium: the charts must render
// at their declared size, nothing may be fetched, and a screenshot must
// not be blank. Screenshots are kept in $ROLEMINE_SCREENSHOTS when set.
func testBrowser(t *testing.T, pages ...string) {
	bin := chromium(t)
	for _, page := range pages {
		t.Run(filepath.Base(page), func(t *testing.T) {
			src := read(t, page)
			// Static check: no reference a browser would fetch.
			for _, re := range []string{`(?i)<[^>]+\s(src|href|xlink:href|srcset|action|poster|data)\s*=\s*["']?\s*(https?:)?//`, `(?i)url\(\s*["']?\s*(https?:)?//`, `(?i)<link\b`, `(?i)@import`} {
				if m := regexp.MustCompile(re).FindString(src); m != "" {
					t.Errorf("page references something outside itself: %q", m)
				}
			}
			nCharts := strings.Count(src, `<svg class="chart"`)
			if nCharts == 0 {
				t.Fatalf("page has no chart")
			}
			// DOM check on a copy with the probe scripts, allowed by its
			// policy; every fetch stays forbidden.
			probed := strings.Replace(src, "default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
			probed = strings.Replace(probed, "<head>", "<head>"+probeHead, 1)
			probed = strings.Replace(probed, "</body>", probeTail+"</body>", 1)
			dir := t.TempDir()
			copyPath := filepath.Join(dir, "probed.html")
			if err := os.WriteFile(copyPath, []byte(probed), 0o644); err != nil {
				t.Fatal(err)
			}
			dom := runChromium(t, bin, dir, "--dump-dom", "--window-size=1400,1000", "--virtual-time-budget=5000", "file://"+copyPath)
			m := probeOut.FindSubmatch(dom)
			if m == nil {
				t.Fatalf("the probe did not run; DOM starts %q", dom[:min(len(dom), 300)])
			}
			var probe struct {
				Charts []struct {
					Title                               string
					W, H, AW, AH, Paths, Texts, Outside int
					Plot                                bool
					Overlaps                            []string
				}
				Tables []struct {
					Caption  string
					Fits     bool
					Squeezed int
				}
				Resources, Blocked []string
			}
			if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &probe); err != nil {
				t.Fatalf("probe output: %v", err)
			}
			if len(probe.Charts) != nCharts {
				t.Errorf("browser found %d charts, the page has %d", len(probe.Charts), nCharts)
			}
			for k, c := range probe.Charts {
				if c.W != c.AW || c.H != c.AH || c.W < 200 || c.H < 150 || c.Paths < 5 || c.Texts < 3 {
					t.Errorf("chart %d rendered %d×%d (declared %d×%d) with %d paths and %d texts", k, c.W, c.H, c.AW, c.AH, c.Paths, c.Texts)
				}
				if !c.Plot || c.Outside > 0 || len(c.Overlaps) > 0 {
					t.Errorf("chart %d %q: data area marked %v, %d marks outside it, overlapping texts %q", k, c.Title, c.Plot, c.Outside, c.Overlaps)
				}
			}
			for _, tb := range probe.Tables {
				if !tb.Fits || tb.Squeezed > 0 {
					t.Errorf("table %q at 1400 px: fits its box %v, %d prose cells squeezed under 150 px", tb.Caption, tb.Fits, tb.Squeezed)
				}
			}
			if len(probe.Resources) > 0 || len(probe.Blocked) > 0 {
				t.Errorf("the page fetched %q and tried %q", probe.Resources, probe.Blocked)
			}
			// Screenshot of the page as shipped.
			shot := filepath.Join(dir, "shot.png")
			runChromium(t, bin, dir, "--screenshot="+shot, "--window-size=1280,2000", "file://"+page)
			checkScreenshot(t, shot)
			if keep := os.Getenv("ROLEMINE_SCREENSHOTS"); keep != "" {
				data, _ := os.ReadFile(shot)
				os.MkdirAll(keep, 0o755)
				os.WriteFile(filepath.Join(keep, strings.TrimSuffix(filepath.Base(page), ".html")+".png"), data, 0o644)
			}
		})
	}
}

func runChromium(t *testing.T, bin, dir string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args = append(append(append([]string(nil), chromiumFlags...), "--user-data-dir="+filepath.Join(dir, "profile")), args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// checkScreenshot fails unless the PNG shows more than one colour, with a
// fair share of non-background pixels and the chart colours.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	colours := map[[3]uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	var top int
	for _, n := range colours {
		top = max(top, n)
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	// The chart palette's blue (0072b2) appears somewhere: a chart drew.
	blue := 0
	for c, n := range colours {
		if near(c, [3]uint32{0x00, 0x72, 0xb2}) {
			blue += n
		}
	}
	if len(colours) < 20 || float64(top) > 0.97*float64(total) || blue == 0 {
		t.Errorf("screenshot %s looks blank: %d colours, commonest covers %d of %d pixels, %d chart-blue pixels", path, len(colours), top, total, blue)
	}
}

func near(a, b [3]uint32) bool {
	d := func(x, y uint32) uint32 {
		if x > y {
			return x - y
		}
		return y - x
	}
	return d(a[0], b[0]) < 24 && d(a[1], b[1]) < 24 && d(a[2], b[2]) < 24
}

// TestBrowserPages runs the browser check on the pages named in
// $ROLEMINE_PAGES (space-separated), such as those of make demo; it is
// skipped when the variable is empty.
func TestBrowserPages(t *testing.T) {
	pages := strings.Fields(os.Getenv("ROLEMINE_PAGES"))
	if len(pages) == 0 {
		t.Skip("ROLEMINE_PAGES is empty")
	}
	testBrowser(t, pages...)
}
