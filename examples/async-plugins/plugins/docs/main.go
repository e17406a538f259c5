// Command docs is an async-plugins plugin that answers
// GET /plugins/docs?q=NAME with a summary of the document NAME of the
// host's data directory and its views so far.
//
// Both host functions it calls, svc.ReadDoc (Tokio file I/O) and
// svc.CountView (a slow upstream service), are async on the host. To Go
// they are ordinary calls that block this goroutine while the host awaits;
// meanwhile the host serves other requests on the same threads.
package main

import (
	"errors"
	"fmt"
	"strings"

	"gohost.example/async-plugins/svc"
)

// HTTP status codes this plugin answers with.
const (
	statusOK         = 200
	statusBadRequest = 400
	statusNotFound   = 404
)

type docs struct{}

// Handle reads the document named by the query, counts its words, and
// records the view with the host's analytics service.
func (docs) Handle(req svc.Request) (svc.Response, error) {
	if req.Query == "" {
		return svc.Response{Status: statusBadRequest, Body: "ask for a document: /plugins/docs?q=NAME\n"}, nil
	}
	doc, err := svc.ReadDoc(req.Query)
	var missing svc.SvcErrorNotFound
	var bad svc.SvcErrorBadName
	switch {
	case errors.As(err, &missing):
		return svc.Response{Status: statusNotFound, Body: fmt.Sprintf("no document named %q\n", missing.Name)}, nil
	case errors.As(err, &bad):
		return svc.Response{Status: statusBadRequest, Body: err.Error() + "\n"}, nil
	case err != nil:
		return svc.Response{}, err
	}
	views := svc.CountView(doc.Name)
	words := len(strings.Fields(doc.Text))
	body := fmt.Sprintf("%q: %d words, %d bytes, view %d\n", doc.Title, words, doc.Size, views)
	return svc.Response{Status: statusOK, Body: body}, nil
}

func init() { svc.Register(docs{}) }

func main() {}
