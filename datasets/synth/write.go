package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// csvFile writes one CSV file row by row. Fields are appended to a chunk
// buffer; a full chunk is handed to a goroutine that writes it to the file
// while the next one fills, so formatting and I/O overlap. At most
// chunkBuffers chunks exist per file. The first write error is kept and
// reported by close.
type csvFile struct {
	name  string
	f     *os.File
	buf   []byte // chunk being filled
	nf    int    // fields in the current line
	rows  int
	nbuf  int
	full  chan []byte // chunks to write
	free  chan []byte // written chunks, for reuse
	done  chan error
	day   int64    // day of the last timestamp written, for dayB
	dayB  [11]byte // "2006-01-02 " of day
	dayOK bool
}

const (
	chunkSize    = 512 << 10
	chunkBuffers = 3
)

func createCSV(dir, name string, header []string) (*csvFile, error) {
	f, err := os.Create(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, fmt.Errorf("synth: create %s: %w", name, err)
	}
	c := &csvFile{name: name, f: f, buf: make([]byte, 0, 4096), nbuf: 1,
		full: make(chan []byte, chunkBuffers-1), free: make(chan []byte, chunkBuffers), done: make(chan error, 1)}
	go c.writer()
	for _, h := range header {
		c.str(h)
	}
	c.end()
	c.rows = 0
	return c, nil
}

func (c *csvFile) writer() {
	var err error
	for b := range c.full {
		if err == nil {
			_, err = c.f.Write(b)
		}
		c.free <- b[:0]
	}
	c.done <- err
}

// flush hands the chunk to the writer and takes an empty one.
func (c *csvFile) flush() {
	c.full <- c.buf
	select {
	case c.buf = <-c.free:
	default:
		if c.nbuf < chunkBuffers {
			c.nbuf++
			c.buf = make([]byte, 0, chunkSize+4096)
		} else {
			c.buf = <-c.free
		}
	}
}

func (c *csvFile) sep() {
	if c.nf > 0 {
		c.buf = append(c.buf, ',')
	}
	c.nf++
}

// str appends a text field, quoted when it needs to be.
func (c *csvFile) str(s string) {
	c.sep()
	c.buf = appendField(c.buf, s)
}

// raw appends a text field known to need no quoting.
func (c *csvFile) raw(s string) {
	c.sep()
	c.buf = append(c.buf, s...)
}

// id appends prefix followed by n padded with zeros to width digits.
func (c *csvFile) id(prefix string, n, width int) {
	c.sep()
	c.buf = appendID(c.buf, prefix, n, width)
}

// time appends a timestamp given in Unix seconds; 0 is a missing value.
func (c *csvFile) time(sec int64) {
	c.sep()
	if sec == 0 {
		return
	}
	if d := sec / 86400; !c.dayOK || d != c.day {
		appendDate(c.dayB[:0], d)
		c.day, c.dayOK = d, true
	}
	c.buf = appendClock(append(c.buf, c.dayB[:]...), sec%86400)
}

func (c *csvFile) bool(b bool) {
	c.sep()
	c.buf = strconv.AppendBool(c.buf, b)
}

func (c *csvFile) float(f float64) {
	c.sep()
	c.buf = strconv.AppendFloat(c.buf, f, 'f', 4, 64)
}

func (c *csvFile) end() {
	c.buf = append(c.buf, '\n')
	c.nf = 0
	c.rows++
	if len(c.buf) >= chunkSize {
		c.flush()
	}
}

// close writes what is left, waits for the writer and closes the file.
func (c *csvFile) close() error {
	if len(c.buf) > 0 {
		c.full <- c.buf
		c.buf = nil
	}
	close(c.full)
	err := <-c.done
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("synth: write %s: %w", c.name, err)
	}
	return nil
}

// appendField appends s as a CSV field, quoting it when it holds a comma,
// a quote or a line break.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func appendID(b []byte, prefix string, n, width int) []byte {
	b = append(b, prefix...)
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// digits returns the number of decimal digits of n-1 (at least min), the
// width that fits every id 0…n-1.
func digits(n, min int) int {
	w := len(strconv.Itoa(max(n-1, 0)))
	return max(w, min)
}

// appendTime appends Unix time sec (UTC, non-negative, before year 10000)
// in the layout 2006-01-02 15:04:05, several times faster than
// time.Time.AppendFormat.
func appendTime(b []byte, sec int64) []byte {
	return appendClock(appendDate(b, sec/86400), sec%86400)
}

// appendDate appends day number days since 1970-01-01 as "2006-01-02 ",
// by the civil-from-days algorithm of H. Hinnant.
func appendDate(b []byte, days int64) []byte {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), ' ')
}

// appendClock appends rem seconds since midnight as "15:04:05".
func appendClock(b []byte, rem int64) []byte {
	h, mi, s := rem/3600, rem/60%60, rem%60
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10))
}
