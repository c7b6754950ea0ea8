;;;; 74-wire.lisp -- the store as the server's store.* methods reach it
;;;; (server/session.c, docs/protocol.md): a filter read from text, never
;;;; evaluated, and entries made plain data for the wire.  The server
;;;; calls these in the session user's environment, as that user: they
;;;; do nothing the user could not do with STORE-QUERY.

;; A filter from the text a client sent: exactly one form, read (with the
;; caller's readtable), never evaluated.
(defun %read-filter (text)
  (unless (stringp text)
    (error 'store-query-error :culprit text
           :format-control "a filter is sent as the text of one form"
           :format-arguments nil))
  (multiple-value-bind (form end) (read-from-string text)
    (when (position-if-not (lambda (c) (member c '(#\Space #\Tab #\Newline
                                                   #\Return)))
                           text :start end)
      (error 'store-query-error :culprit text
             :format-control "a filter is one form: more text follows it in ~s"
             :format-arguments (list text)))
    form))

;; (id (name value name value ...)): the attributes' keys as their names.
(defun %wire-entry (e)
  (let ((plist (entry-attributes e)) (out '()))
    (do ((p plist (cddr p)))
        ((null p))
      (push (symbol-name (car p)) out)
      (push (cadr p) out))
    (list (entry-id e) (nreverse out))))

(defun %wire-query (text order-by limit offset)
  (mapcar #'%wire-entry
          (directory-entries
           (store-query (%read-filter text) :order-by order-by :limit limit
                        :offset offset))))

(defun %wire-count (text)
  (store-count (%read-filter text)))
