package summary

import (
	"fmt"
	"io"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// The PDFs are drawn with signintech/gopdf (MIT, maintained; it embeds a
// subset of a TrueType font, so any name the font covers prints as
// written) in the Go fonts (golang.org/x/image/font/gofont, BSD like Go
// itself): they cover Latin, Greek and Cyrillic (WGL4). A character the
// font lacks prints as "?", never as nothing.

const (
	pageW, pageH = 595.0, 842.0 // A4 in points
	margin       = 42.0
	bodySize     = 9.5
	lineH        = 12.5
)

type pdfDoc struct {
	pdf   *gopdf.GoPdf
	y     float64
	title string
	page  int
}

func newPDF(title, subject string) (*pdfDoc, error) {
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	p.SetInfo(gopdf.PdfInfo{Title: title, Subject: subject, Creator: "Fasten Health", Producer: "Fasten Health"})
	sub := func(r rune) rune { return '?' }
	if err := p.AddTTFFontDataWithOption("go", goregular.TTF, gopdf.TtfOption{Style: gopdf.Regular, OnGlyphNotFoundSubstitute: sub}); err != nil {
		return nil, err
	}
	if err := p.AddTTFFontDataWithOption("go", gobold.TTF, gopdf.TtfOption{Style: gopdf.Bold, OnGlyphNotFoundSubstitute: sub}); err != nil {
		return nil, err
	}
	d := &pdfDoc{pdf: p, title: title}
	d.newPage()
	return d, nil
}

func (d *pdfDoc) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	d.pdf.SetFont("go", style, size)
}

func (d *pdfDoc) newPage() {
	d.pdf.AddPage()
	d.page++
	// A footer on every page: whose summary this is is on each sheet.
	d.font(false, 7.5)
	d.pdf.SetTextColor(110, 110, 110)
	d.pdf.SetXY(margin, pageH-margin+12)
	d.pdf.Cell(nil, fmt.Sprintf("%s · page %d", d.title, d.page))
	d.pdf.SetTextColor(0, 0, 0)
	d.y = margin
}

// need starts a new page when h more points do not fit.
func (d *pdfDoc) need(h float64) bool {
	if d.y+h > pageH-margin {
		d.newPage()
		return true
	}
	return false
}

func (d *pdfDoc) text(s string, bold bool, size float64) {
	d.font(bold, size)
	lines, err := d.pdf.SplitTextWithWordWrap(s, pageW-2*margin)
	if err != nil || len(lines) == 0 {
		lines = []string{s}
	}
	for _, l := range lines {
		d.need(size * 1.35)
		d.pdf.SetXY(margin, d.y)
		d.pdf.Cell(nil, l)
		d.y += size * 1.35
	}
}

// table draws rows under a bold header, wrapping each cell within its
// column; the header is repeated at the top of each new page.
func (d *pdfDoc) table(columns []string, widths []float64, rows [][]string) {
	total := 0.0
	for _, w := range widths {
		total += w
	}
	for i := range widths {
		widths[i] = widths[i] / total * (pageW - 2*margin)
	}
	header := func() {
		d.font(true, bodySize)
		d.pdf.SetFillColor(235, 238, 242)
		d.pdf.RectFromUpperLeftWithStyle(margin, d.y, pageW-2*margin, lineH+4, "F")
		x := margin
		for i, c := range columns {
			d.pdf.SetXY(x+3, d.y+2)
			d.pdf.Cell(nil, c)
			x += widths[i]
		}
		d.y += lineH + 4
	}
	d.need(2 * (lineH + 4))
	header()
	d.font(false, bodySize)
	for _, r := range rows {
		cells := make([][]string, len(columns))
		n := 1
		for i := range columns {
			v := ""
			if i < len(r) {
				v = r[i]
			}
			ls, err := d.pdf.SplitTextWithWordWrap(v, widths[i]-6)
			if err != nil || len(ls) == 0 {
				ls = []string{v}
			}
			cells[i] = ls
			n = max(n, len(ls))
		}
		h := float64(n)*lineH + 4
		if d.need(h) {
			header()
			d.font(false, bodySize)
		}
		x := margin
		for i, ls := range cells {
			for j, l := range ls {
				d.pdf.SetXY(x+3, d.y+2+float64(j)*lineH)
				d.pdf.Cell(nil, l)
			}
			x += widths[i]
		}
		d.y += h
		d.pdf.SetStrokeColor(220, 220, 220)
		d.pdf.SetLineWidth(0.5)
		d.pdf.Line(margin, d.y, pageW-margin, d.y)
	}
	d.y += 8
}

func (d *pdfDoc) heading(s *Summary, what string) {
	d.text(what, true, 16)
	d.y += 2
	born := s.Person.BirthDate
	if len(born) > 10 {
		born = born[:10]
	}
	line := s.Person.Name
	if born != "" {
		line += " · born " + born
	}
	d.text(line, true, 12)
	d.font(false, 8)
	d.pdf.SetTextColor(90, 90, 90)
	d.text("Made by Fasten Health on "+s.Generated.Format("2 January 2006")+" from the records the family keeps; not reviewed by a clinician. Check with the source when it matters.", false, 8)
	d.pdf.SetTextColor(0, 0, 0)
	d.y += 8
}

// columnWidths are relative: the first column (the name of the thing) gets
// the room.
func columnWidths(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	w[0] = 2.6
	if n == 2 {
		w[0] = 4
	}
	return w
}

// WritePDF draws the summary: each section as a table, empty required
// sections saying so.
func WritePDF(s *Summary, w io.Writer) error {
	d, err := newPDF("Patient summary: "+s.Person.Name, "International Patient Summary")
	if err != nil {
		return err
	}
	d.heading(s, "Patient summary")
	for _, sec := range s.Sections {
		d.need(3 * lineH)
		d.text(sec.Title, true, 12)
		if len(sec.Rows) == 0 {
			d.text("None recorded in Fasten.", false, bodySize)
			d.y += 6
			continue
		}
		rows := make([][]string, len(sec.Rows))
		for i, r := range sec.Rows {
			rows[i] = make([]string, len(r))
			for j, c := range r {
				rows[i][j] = strings.TrimSpace(c)
			}
		}
		d.table(sec.Columns, columnWidths(len(sec.Columns)), rows)
	}
	return d.pdf.Write(w)
}

// WriteVaccinePDF draws the vaccine record: every dose, oldest first.
func WriteVaccinePDF(s *Summary, w io.Writer) error {
	d, err := newPDF("Vaccine record: "+s.Person.Name, "Immunization record")
	if err != nil {
		return err
	}
	d.heading(s, "Vaccine record")
	if len(s.Vaccines) == 0 {
		d.text("No vaccinations are recorded in Fasten for this person.", false, bodySize)
		return d.pdf.Write(w)
	}
	rows := make([][]string, len(s.Vaccines))
	for i, v := range s.Vaccines {
		rows[i] = []string{v.Vaccine, v.Date, v.Dose, v.Lot, v.Provider}
	}
	d.table([]string{"Vaccine", "Date", "Dose", "Lot", "Given by"}, []float64{3, 1.2, 0.6, 1, 2.4}, rows)
	return d.pdf.Write(w)
}
