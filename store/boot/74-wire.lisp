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

;; (id (name value name value ...)) of an entry or id: the attributes'
;; keys as their names.
(defun %wire-entry (e)
  (let* ((id (%entry-id-of e)) (plist (entry-attributes id)) (out '()))
    (do ((p plist (cddr p)))
        ((null p))
      (push (symbol-name (car p)) out)
      (push (cadr p) out))
    (list id (cons '%array (nreverse out)))))

;; A line of text summing up an entry's object, for a listing: a byte
;; vector's size, a string's start, another object's printed form -- at
;; most about 80 characters, printed with short lists (the object may be
;; large; printing runs the user's own PRINT-OBJECT methods, as the user).
(defun %wire-summary (object)
  (flet ((cut (text) (if (> (length text) 80)
                         (concatenate 'string (subseq text 0 77) "...")
                         text)))
    (cond ((and (vectorp object)
                (equal (array-element-type object) '(unsigned-byte 8)))
           (format nil "~d bytes" (length object)))
          ((stringp object)
           (cut (prin1-to-string (if (> (length object) 80)
                                     (subseq object 0 80)
                                     object))))
          (t (let ((*print-length* 8) (*print-level* 3))
               (cut (prin1-to-string object)))))))

;; The entries of store.query: ORDER-BY a key, (key :descending), or
;; :DESCENDING alone -- by id, newest first: the whole result reversed,
;; then OFFSET and LIMIT applied to it.
(defun %wire-query-entries (filter order-by limit offset)
  (if (eq order-by :descending)
      (let ((newest (nthcdr (or offset 0)
                            (nreverse (directory-entries (store-query filter))))))
        (if (and limit (< limit (length newest)))
            (subseq newest 0 limit)
            newest))
      (directory-entries
       (store-query filter :order-by order-by :limit limit :offset offset))))

;; A handle's summary (server/values.c cuts it at 200 bytes): the object
;; printed with short lists, so that a vector of a million elements is not
;; printed whole to show the start of it.
(defun %wire-printed-summary (object)
  (let ((*print-length* 50) (*print-level* 5))
    (prin1-to-string object)))

;; store.query's answer: each entry (id attributes), or with SUMMARY (id
;; attributes summary).
(defun %wire-query (text order-by limit offset &optional summary)
  (cons '%array
   (mapcar (lambda (e)
             (if summary
                 (append (%wire-entry e)
                         (list (%wire-summary (entry-object e))))
                 (%wire-entry e)))
           (%wire-query-entries (%read-filter text) order-by limit offset))))

(defun %wire-count (text)
  (store-count (%read-filter text)))

;;; ---- values the server sends and receives (server/values.c) ------------

;; A map on the wire: (%MAP key value ...), keys strings.  The server packs
;; such a list as a MessagePack map in the results of these functions (and
;; only there), and gives a map a client sent to them as one.  Likewise
;; (%ARRAY item ...) is an array even when empty (NIL alone is nil).
(defun %wire-map (&rest pairs) (cons '%map pairs))
(defun %wire-map-p (x) (and (consp x) (eq (car x) '%map)))

;; ARGUMENT-ERROR: a method's parameters are not what it takes.
(%define-condition-type 'argument-error '(error))
(defun %wire-argument-error (control &rest arguments)
  (error 'argument-error :format-control control
                         :format-arguments arguments))

;; The value types the server's C side does not know (values.c), as a kind
;; and a text: (values KIND TEXT), or NIL for any other value.
(defun %wire-other (x)
  (cond ((and (datep x) (%well-formed-date-p x)) (values :date (%date-text x)))
        ((and (durationp x) (rationalp (duration-seconds x))
              (not (minusp (duration-seconds x))))
         (values :duration (%duration-text (duration-seconds x))))
        ((entryp x) (values :entry (format nil "~d" (entry-id x))))
        ((integerp x) (values :integer (format nil "~d" x)))
        ((typep x 'ratio)
         (values :ratio (format nil "~d/~d" (numerator x) (denominator x))))
        ((characterp x) (values :character (string x)))
        (t nil)))

;; The value of KIND a client sent as TEXT (the inverse of %WIRE-OTHER, and
;; symbols: "PACKAGE", a NUL, "NAME").
(defun %wire-make (kind text)
  (handler-case
      (ecase kind
        (:ratio (let ((slash (position #\/ text)))
                  (/ (parse-integer text :end slash)
                     (parse-integer text :start (+ slash 1)))))
        (:character (if (= (length text) 1)
                        (char text 0)
                        (error "not one character")))
        ((:date :duration)
         (let ((v (%parse-temporal text)))
           (if (eq (datep v) (eq kind :date))
               v
               (error "not a ~(~a~)" kind))))
        (:symbol (let* ((nul (position (code-char 0) text))
                        (package (find-package (subseq text 0 nul))))
                   (unless package (error "no package ~s" (subseq text 0 nul)))
                   (values (intern (subseq text (+ nul 1)) package))))
        (:entry (%make-entry (parse-integer text))))
    (error (c)
      ;; a symbol's NUL shown as ::, or the message would end there
      (%wire-argument-error "a ~(~a~) sent as ~s: ~a" kind
                            (let ((nul (position (code-char 0) text)))
                              (if nul
                                  (concatenate 'string (subseq text 0 nul) "::"
                                               (subseq text (+ nul 1)))
                                  text))
                            (%condition-message c)))))

;;; ---- the store.* and acl.* methods ------------------------------------------------

(defun %wire-id (x)
  (cond ((entryp x) (entry-id x))
        ((and (integerp x) (plusp x)) x)
        (t (%wire-argument-error "an entry's id is a positive integer, not ~s"
                                 x))))

;; A key: a keyword, or a string naming one ("year" and "YEAR" are :YEAR).
(defun %wire-key (k)
  (cond ((keywordp k) k)
        ((and (stringp k) (plusp (length k))) (intern (string-upcase k) "KEYWORD"))
        (t (%wire-argument-error "an attribute's key is a string or a keyword, not ~s" k))))

;; A principal: a user's name, ["group", name] (or (:group name)), or the
;; keyword EVERYONE.
(defun %wire-principal (p)
  (cond ((stringp p) p)
        ((eq p :everyone) p)
        ((and (consp p) (consp (cdr p)) (null (cddr p)) (stringp (cadr p))
              (or (eq (car p) :group)
                  (and (stringp (car p)) (string-equal (car p) "group"))))
         (list :group (cadr p)))
        (t (%wire-argument-error "a principal is a user's name, [\"group\", name] or the keyword EVERYONE, not ~s" p))))

(defun %wire-acl (rows)
  (unless (listp rows)
    (%wire-argument-error "an ACL is an array of [principal, bits] rows, not ~s" rows))
  (mapcar (lambda (row)
            (unless (and (consp row) (consp (cdr row)) (null (cddr row)))
              (%wire-argument-error "an ACL row is [principal, bits], not ~s" row))
            (list (%wire-principal (car row)) (cadr row)))
          rows))

;; Attributes a client sent -- an array [KEY, value, KEY, value ...] or a
;; map {KEY: value} -- as a property list.  WHAT names them in errors.
(defun %wire-pairs (x what)
  (let ((items (cond ((%wire-map-p x) (cdr x))
                     ((listp x) x)
                     (t (%wire-argument-error
                         "~a: an array [KEY, value, ...] or a map, not ~s" what x))))
        (out '()))
    (unless (evenp (length items))
      (%wire-argument-error "~a: a key without a value" what))
    (do ((p items (cddr p)))
        ((null p) (nreverse out))
      (let ((key (%wire-key (car p))))
        (push key out)
        (push (if (eq key :acl) (%wire-acl (cadr p)) (cadr p)) out)))))

(defun %wire-version (id)
  (%store-version (%entry-id-of id)))

(defun %wire-put (object attributes)
  (entry-id (apply #'store-put object
                   (%wire-pairs attributes "store.put's attributes"))))

(defun %wire-get (id)
  (let ((e (store-get (%wire-id id))))
    (when e
      (%wire-map "id" (entry-id e) "object" (entry-object e)
                 "access" (%store-bits (entry-id e))
                 "attributes" (second (%wire-entry e))
                 "owner" (entry-owner e) "version" (%wire-version e)))))

;; The attributes of PAIRS replace the entry's values of their keys (a key
;; given twice gets both values).
(defun %wire-replace (id pairs)
  (let ((done '()))
    (do ((p pairs (cddr p)))
        ((null p))
      (if (member (car p) done)
          (store-add-attribute id (car p) (cadr p))
          (progn (%set-entry-attribute id (car p) (cadr p))
                 (push (car p) done))))))

;; store.set: CHANGES a map of object, attributes, add, remove, checked
;; before any is made, made in that order.  The entry's new version.
(defun %wire-set (id changes)
  (let ((id (%wire-id id)) object object-p attributes add remove)
    (unless (%wire-map-p changes)
      (%wire-argument-error "store.set's changes are a map: object, attributes, add, remove"))
    (do ((p (cdr changes) (cddr p)))
        ((null p))
      (let ((k (car p)) (v (cadr p)))
        (cond ((equal k "object") (setf object v object-p t))
              ((equal k "attributes")
               (setf attributes (%wire-pairs v "store.set's attributes")))
              ((equal k "add") (setf add (%wire-pairs v "store.set's add")))
              ((equal k "remove")
               (setf remove (mapcar #'%wire-key (if (listp v) v (list v)))))
              (t (%wire-argument-error "store.set's changes are object, attributes, add and remove, not ~s" k)))))
    (unless (store-get id)
      (error 'store-error :format-control "no entry ~d" :format-arguments (list id)))
    (when object-p (store-set-object id object))
    (%wire-replace id attributes)
    (do ((p add (cddr p)))
        ((null p))
      (store-add-attribute id (car p) (cadr p)))
    (dolist (key remove)
      (store-remove-attribute id key))
    (%wire-version id)))

(defun %wire-delete (id)
  (store-delete (%wire-id id))
  t)

(defun %wire-history (id)
  (cons '%array
   (mapcar (lambda (v)
            (%wire-map "version" (getf v :version) "by" (getf v :by)
                       "at" (getf v :at)
                       "change" (string-downcase (symbol-name (getf v :change)))))
          (store-history (%wire-id id)))))

(defun %wire-revert (id version)
  (unless (and (integerp version) (plusp version))
    (%wire-argument-error "a version is a positive integer, not ~s" version))
  (store-revert (%wire-id id) version))

(defun %wire-grant (id principal bits)
  (unless (and (integerp bits) (<= 0 bits 15))
    (%wire-argument-error "access bits are an integer from 0 to 15, not ~s" bits))
  (store-grant (%wire-id id) (%wire-principal principal) bits)
  t)

(defun %wire-revoke (id principal)
  (and (store-revoke (%wire-id id) (%wire-principal principal)) t))

;;; ---- live queries (server/watch.c) ---------------------------------------------------

;; A watch's start: the filter read from TEXT, and the ids it matches now.
(defun %wire-watch-start (text)
  (let ((filter (%read-filter text)))
    (values filter (mapcar #'entry-id (directory-entries (store-query filter))))))

;; The ids of the entries matching FILTER the caller may read now (a
;; group changed: the watch looks at its whole result again).
(defun %wire-watch-ids (filter)
  (mapcar #'entry-id (directory-entries (store-query filter))))

;; Of the entries IDS (a change touched them), those the caller may read
;; that match FILTER, each as (id attributes).
(defun %wire-watch-check (filter ids)
  (mapcar #'%wire-entry (%store-matching filter ids)))

;;; ---- the administrator's methods (run in the system environment) ----------------

;; admin.acl-show: an entry's owner and ACL, whoever may read it -- a
;; group's row as ("group" name), as clients write it.
(defun %wire-acl-show (id)
  (let ((e (store-get (%wire-id id))))
    (unless e
      (error 'store-error :format-control "no entry ~d"
                          :format-arguments (list (%wire-id id))))
    (%wire-map "id" (entry-id e) "owner" (entry-owner e)
               "acl" (cons '%array
                           (mapcar (lambda (row)
                                     (let ((who (car row)))
                                       (list (if (consp who)
                                                 (list "group" (cadr who))
                                                 who)
                                             (cadr row))))
                                   (entry-attribute e :acl))))))


(defun %wire-group-add (name) (make-group name) t)
(defun %wire-group-delete (name) (%delete-group name))
(defun %wire-group-list ()
  (cons '%array
        (mapcar (lambda (g)
                  (%wire-map "name" (car g)
                             "members" (cons '%array
                                             (sort (copy-list (cdr g)) #'string<))))
                (sort (groups) #'string< :key #'car))))
(defun %wire-group-add-member (group user) (group-add-member group user))
(defun %wire-group-remove-member (group user) (group-remove-member group user))
