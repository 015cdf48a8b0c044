// Package records keeps a household's FHIR resources in the vault: import
// (validated, one transaction per file), people and patient links, derived
// summaries and search, queries for the UI, export, reindex and verify.
package records

// Person is one member of the household.
type Person struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	BirthDate string `json:"birthDate"`
	// Records is how many records the vault holds for them, copies from
	// several sources included (what removing them deletes). Views count
	// each fact once (see factKey); this count is kept apart because
	// folding 150,000 records by fact costs ~50 ms, and the sidebar and the
	// household read it for everyone at once.
	Records int `json:"records"`
}

// FileIssue locates one resource that was skipped, or (Kept) one part of a
// stored resource that was not (an inline attachment too large or not
// base64), without quoting its content.
type FileIssue struct {
	// Part names the part of a file of several (an Apple Health export's
	// provider) the entry is in; empty for a file of one.
	Part   string `json:"part,omitempty"`
	Entry  int    `json:"entry"` // -1: not one entry (a kind of data, or a part left out)
	Type   string `json:"type"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
	Kept   bool   `json:"kept,omitempty"` // the resource itself was stored
}

// FileStatus is what happened to one imported file.
type FileStatus string

// File statuses.
const (
	FileImported  FileStatus = "imported"
	FileUnchanged FileStatus = "unchanged" // everything in it was already in the vault
	FileRejected  FileStatus = "rejected"  // nothing from it was stored; Error says why
)

// RejectReason says why a file was rejected, for callers that act on it
// (sync counts a page of only invalid resources as skipped, not failed)
// instead of reading Error, which is for people.
type RejectReason string

// Reject reasons.
const (
	RejectUnreadable   RejectReason = "unreadable"    // cannot open or read the file, or it is not FHIR JSON
	RejectNothingValid RejectReason = "nothing_valid" // it held resources, none of them valid FHIR R4
	RejectCancelled    RejectReason = "cancelled"     // the import was cancelled
	RejectVault        RejectReason = "vault"         // the vault could not be written
	RejectInternal     RejectReason = "internal"      // Fasten itself failed (e.g. the validator)
	RejectTampered     RejectReason = "tampered"      // a signed record (a health card) was altered after signing
)

// FileResult is what happened to one imported file.
type FileResult struct {
	File      string       `json:"file"`
	Status    FileStatus   `json:"status"`
	Reason    RejectReason `json:"reason,omitempty"` // set when Status is FileRejected
	Error     string       `json:"error,omitempty"`
	Added     int          `json:"added"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Skipped   int          `json:"skipped"`
	// Reference is how many of Added are about no person (clinicians,
	// organisations, places, medication products): kept so other records
	// can name them, and not counted among any person's records.
	Reference int `json:"reference"`
	// Attachments is how many inline attachments (base64 data) were kept
	// as documents; AttachmentsSkipped how many could not be (see Issues).
	Attachments        int         `json:"attachments"`
	AttachmentsSkipped int         `json:"attachmentsSkipped"`
	Issues             []FileIssue `json:"issues"`
	Bytes              int64       `json:"bytes"`
}

// UnmatchedPatient is a Patient record no household member matched; the
// person importing is asked who it is.
type UnmatchedPatient struct {
	Key       string `json:"key"` // opaque handle for AssignPatient
	Name      string `json:"name"`
	BirthDate string `json:"birthDate"`
	Records   int    `json:"records"`
}

// ImportReport sums up an import of one or more files.
type ImportReport struct {
	Files     []FileResult       `json:"files"`
	Unmatched []UnmatchedPatient `json:"unmatched"`
	NewPeople []Person           `json:"newPeople"`
}

// Progress is reported while a file is imported.
type Progress struct {
	File       string `json:"file"`
	FileIndex  int    `json:"fileIndex"`
	FileCount  int    `json:"fileCount"`
	BytesRead  int64  `json:"bytesRead"`
	BytesTotal int64  `json:"bytesTotal"`
	Resources  int    `json:"resources"`
}

// Item is one row in a list: a resource seen through its summary.
type Item struct {
	ID           int64    `json:"id"`
	ResourceType string   `json:"resourceType"`
	Date         string   `json:"date"`
	DateEnd      string   `json:"dateEnd"`
	Category     string   `json:"category"`
	CodeSystem   string   `json:"codeSystem"`
	Code         string   `json:"code"`
	Display      string   `json:"display"`
	ValueNum     *float64 `json:"valueNum"`
	ValueText    string   `json:"valueText"`
	Unit         string   `json:"unit"`
	Status       string   `json:"status"`
	Source       string   `json:"source"`
}

// TypeCount is how many current resources of one type a person has.
type TypeCount struct {
	ResourceType string `json:"resourceType"`
	Count        int    `json:"count"`
}

// Overview is a person's front page.
type Overview struct {
	Person Person `json:"person"`
	// Counts are the medical record types; insurance records are counted
	// apart, as the items of the Insurance section (see InsuranceCount).
	Counts        []TypeCount `json:"counts"`
	Insurance     int         `json:"insurance"`
	Conditions    []Item      `json:"conditions"`
	Medications   []Item      `json:"medications"`
	Allergies     []Item      `json:"allergies"`
	Immunizations []Item      `json:"immunizations"`
	Vitals        []Item      `json:"vitals"`
	Labs          []Item      `json:"labs"`
}

// Page is one page of a list.
type Page struct {
	Items []Item `json:"items"`
	Total int    `json:"total"`
}

// Field is one labelled line of a readable detail view.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Detail is everything the detail view shows of one resource.
type Detail struct {
	Item      Item    `json:"item"`
	Fields    []Field `json:"fields"`
	Narrative string  `json:"narrative"` // provider HTML, sanitized
	Raw       string  `json:"raw"`       // the bytes as received, pretty-printed for reading
	// ReceivedAs names the older FHIR release a record came in ("DSTU2",
	// "STU3"; empty for R4). Raw is then Fasten's R4 conversion, which
	// every view reads, and Original the bytes as received, pretty-printed.
	ReceivedAs string `json:"receivedAs,omitempty"`
	Original   string `json:"original,omitempty"`
	Received   string `json:"received"`
	Versions   int    `json:"versions"` // how many versions Fasten has seen (1: never changed)
	Source     string `json:"source"`
	// SourceKind is "file" (imported) or "connection" (fetched from a
	// provider); File the name of the file the current version came in.
	SourceKind string `json:"sourceKind"`
	File       string `json:"file"`
	// Origin names where a file's records came from when the file says (a
	// provider in an Apple Health export, a health card's issuer, "not
	// verified" unless its signature was checked); empty for the shared
	// source of plain imported files.
	Origin string `json:"origin,omitempty"`
	// References names the records this one points at, keyed by each
	// reference exactly as the resource writes it ("Practitioner/123",
	// "urn:uuid:…"): the page looks a reference up by its own string.
	References map[string]string `json:"references"`
	// Results are a DiagnosticReport's results, in the report's order.
	Results []PanelResult `json:"results"`
	// Visit is what happened during an Encounter, grouped by kind.
	Visit []VisitSection `json:"visit"`
	// History is every version Fasten holds, the current one first.
	History []RecordVersion `json:"history"`
	// AlsoFrom are the person's other records stating the same fact (see
	// factKey: the same result from another provider), in arrival order.
	AlsoFrom []FactSource `json:"alsoFrom"`
}

// FactSource is another record of the same fact and where it came from.
type FactSource struct {
	ID     int64  `json:"id"`
	Source string `json:"source"`
	Date   string `json:"date"` // as that record writes it (the fact's time, to the minute or day)
}

// PanelResult is one result of a panel (DiagnosticReport.result).
type PanelResult struct {
	ID         int64  `json:"id"` // the result's record; 0 when the vault does not hold it
	Display    string `json:"display"`
	Code       string `json:"code"`  // its LOINC code, when it has one (units such as "/min" read by it)
	Value      string `json:"value"` // as the source wrote it: "7.10", "Cloudy urine", "120/80"
	Comparator string `json:"comparator"`
	Unit       string `json:"unit"` // the UCUM code when the source gives one, else its unit text
	// Flag is the interpretation when it is out of range ("H", "L", "HH",
	// "A"…), from the source or from the value against the range; "" otherwise.
	Flag      string `json:"flag"`
	RangeLow  string `json:"rangeLow"` // as written
	RangeHigh string `json:"rangeHigh"`
	RangeUnit string `json:"rangeUnit"`
	RangeText string `json:"rangeText"`
}

// VisitSection is one kind of record linked to a visit.
type VisitSection struct {
	Kind  string `json:"kind"`  // stable key: "diagnoses", "results", "medications"…
	Title string `json:"title"` // plain-language heading
	Items []Item `json:"items"`
	Total int    `json:"total"` // all linked records of this kind (Items may hold fewer)
}

// RecordVersion is one version of a record as Fasten received it.
type RecordVersion struct {
	Version     int    `json:"version"`
	Received    string `json:"received"`   // when Fasten imported or fetched it
	Superseded  string `json:"superseded"` // when a newer version replaced it; "" for the current one
	Current     bool   `json:"current"`
	File        string `json:"file"`        // the imported file's name ("" when fetched from a provider)
	LastUpdated string `json:"lastUpdated"` // the provider's own meta.lastUpdated, as written
}

// VersionDetail is one version of a record, readable.
type VersionDetail struct {
	Version    RecordVersion     `json:"version"`
	Fields     []Field           `json:"fields"`
	Narrative  string            `json:"narrative"` // sanitized
	Raw        string            `json:"raw"`
	References map[string]string `json:"references"`
}

// Stats counts what the vault holds.
type Stats struct {
	Resources map[string]int `json:"resources"`
	Total     int            `json:"total"`
	People    int            `json:"people"`
	Versions  int            `json:"versions"`
	Imports   int            `json:"imports"`
}
