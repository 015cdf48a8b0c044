package deeplink

// The OS registration files under build/ must register exactly Scheme.

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"testing"
	"text/template"
)

const buildDir = "../../build/"

func TestDesktopEntry(t *testing.T) {
	f, err := os.Open(buildDir + "linux/fasten.desktop")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entry := map[string]string{}
	group := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			group = line
		case group == "[Desktop Entry]":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("bad line %q", line)
			}
			if _, dup := entry[k]; dup {
				t.Fatalf("duplicate key %s", k)
			}
			entry[k] = v
		}
	}
	want := map[string]string{
		"Type": "Application", "Name": "Fasten", "Exec": "fasten %u", "Icon": "fasten",
		"Terminal": "false", "StartupWMClass": "fasten", "Categories": "Office;MedicalSoftware;",
	}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("%s=%q, want %q", k, entry[k], v)
		}
	}
	if entry["Comment"] == "" {
		t.Error("no Comment")
	}
	var schemes []string
	for _, m := range strings.Split(entry["MimeType"], ";") {
		if s, ok := strings.CutPrefix(m, "x-scheme-handler/"); ok {
			schemes = append(schemes, s)
		}
	}
	if len(schemes) != 1 || schemes[0] != Scheme {
		t.Fatalf("x-scheme-handler schemes %v, want [%s]", schemes, Scheme)
	}
}

// plistNode is a generic plist element.
type plistNode struct {
	XMLName xml.Name
	Text    string      `xml:",chardata"`
	Nodes   []plistNode `xml:",any"`
}

func dictGet(d plistNode, key string) (plistNode, bool) {
	for i := 0; i+1 < len(d.Nodes); i++ {
		if d.Nodes[i].XMLName.Local == "key" && d.Nodes[i].Text == key {
			return d.Nodes[i+1], true
		}
	}
	return plistNode{}, false
}

func TestInfoPlist(t *testing.T) {
	src, err := os.ReadFile(buildDir + "darwin/Info.plist")
	if err != nil {
		t.Fatal(err)
	}
	// Resolve it the way Wails' buildassets does (same funcs, same data shape),
	// with a protocol declared in wails.json to prove it is not duplicated.
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"xml": func(s string) string { return s },
		"safeBundleID": func(s string) string {
			return regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(strings.ToLower(s), "-")
		},
	}).Parse(string(src))
	if err != nil {
		t.Fatalf("template: %v", err)
	}
	type proto struct{ Scheme, Description, Role string }
	type assoc struct{ Ext, Name, Description, IconName, Role string }
	data := map[string]any{
		"Name": "fasten", "OutputFilename": "fasten",
		"Info": map[string]any{
			"ProductName": "Fasten", "ProductVersion": "0.1.0", "Comments": "c", "Copyright": "c",
			"FileAssociations": []assoc(nil), "Protocols": []proto{{Scheme: "com.example.other", Role: "Viewer"}},
		},
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		t.Fatalf("template: %v", err)
	}
	var root plistNode
	if err := xml.Unmarshal(out.Bytes(), &root); err != nil {
		t.Fatalf("xml: %v", err)
	}
	if root.XMLName.Local != "plist" || len(root.Nodes) != 1 || root.Nodes[0].XMLName.Local != "dict" {
		t.Fatal("not a plist with one dict")
	}
	dict := root.Nodes[0]
	n := 0
	for _, c := range dict.Nodes {
		if c.XMLName.Local == "key" && c.Text == "CFBundleURLTypes" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d CFBundleURLTypes keys", n)
	}
	types, _ := dictGet(dict, "CFBundleURLTypes")
	var schemes []string
	for _, ty := range types.Nodes {
		name, _ := dictGet(ty, "CFBundleURLName")
		if name.Text != Scheme {
			t.Errorf("CFBundleURLName %q", name.Text)
		}
		arr, _ := dictGet(ty, "CFBundleURLSchemes")
		for _, s := range arr.Nodes {
			schemes = append(schemes, s.Text)
		}
	}
	if len(schemes) != 1 || schemes[0] != Scheme {
		t.Fatalf("CFBundleURLSchemes %v, want [%s]", schemes, Scheme)
	}
	// The template fields Wails fills in are still there.
	for _, f := range []string{"{{.Info.ProductName}}", "{{.OutputFilename}}", "{{.Info.ProductVersion}}"} {
		if !bytes.Contains(src, []byte(f)) {
			t.Errorf("template field %s missing", f)
		}
	}
}

func TestNSISQuotedCommand(t *testing.T) {
	// NSIS: $\" is a literal quote, so this is  "$INSTDIR\fasten.exe" "%1".
	const quoted = `"$\"$INSTDIR\${PRODUCT_EXECUTABLE}$\" $\"%1$\""`
	const unquoted = `"$INSTDIR\${PRODUCT_EXECUTABLE} $\"%1$\""`
	nsi, err := os.ReadFile(buildDir + "windows/installer/project.nsi")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^!define FASTEN_URL_SCHEME "` + regexp.QuoteMeta(Scheme) + `"$`).Match(nsi) {
		t.Error("project.nsi does not define FASTEN_URL_SCHEME as Scheme")
	}
	if !bytes.Contains(nsi, []byte(`CUSTOM_PROTOCOL_ASSOCIATE "${FASTEN_URL_SCHEME}" "URL:Fasten sign-in" "$INSTDIR\${PRODUCT_EXECUTABLE},0" `+quoted)) {
		t.Error("project.nsi lacks the quoted protocol command")
	}
	for _, m := range []string{"fasten.associateCustomProtocols", "fasten.unassociateCustomProtocols"} {
		if !regexp.MustCompile(`(?m)^\s*!insertmacro ` + regexp.QuoteMeta(m) + `\b`).Match(nsi) {
			t.Errorf("project.nsi never inserts %s", m)
		}
	}
	tools, err := os.ReadFile(buildDir + "windows/installer/wails_tools.nsh")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(tools, []byte(`CUSTOM_PROTOCOL_ASSOCIATE "`+Scheme+`" "URL:Fasten sign-in" "$INSTDIR\${PRODUCT_EXECUTABLE},0" `+quoted)) {
		t.Error("wails_tools.nsh lacks the quoted protocol command")
	}
	for name, b := range map[string][]byte{"project.nsi": nsi, "wails_tools.nsh": tools} {
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") && strings.Contains(line, unquoted) {
				t.Errorf("%s still has an unquoted command: %s", name, strings.TrimSpace(line))
			}
		}
	}
	// project.nsi is used as is (its {{...}} appear only in comments); wails_tools.nsh is resolved.
	if bytes.Contains(tools, []byte("{{")) {
		t.Error("wails_tools.nsh has unresolved template actions")
	}
}
