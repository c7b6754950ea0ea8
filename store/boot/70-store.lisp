;;;; 70-store.lisp -- the object store's Lisp API (docs/store.md): entry
;;;; handles, directories, and the functions users call, over the
;;;; primitives of store/*.c (docs/store-design.md).
;;;;
;;;; An entry handle holds an entry's id and nothing else: every reader
;;;; asks the store, which checks the caller's access bits on each call,
;;;; so a handle made up by hand gives nothing its id would not.  The
;;;; functions taking an entry take its id as well.

;; The API's names, exported from LISPOS (which COMMON-LISP-USER uses).
;; None may be the name of a symbol the boot code before this file made in
;; LISPOS-INTERNAL (that is a name conflict): ENTRY is one (a variable's
;; name), so an entry's type is STORE-ENTRY.
(let ((lispos (find-package "LISPOS")))
  (dolist (name '("STORE-PUT" "STORE-GET" "STORE-ENTRY" "ENTRYP" "ENTRY-ID"
                  "ENTRY-OBJECT" "ENTRY-ATTRIBUTES" "ENTRY-ATTRIBUTE"
                  "ENTRY-ATTRIBUTE-VALUES" "ENTRY-OWNER"
                  "STORE-ADD-ATTRIBUTE" "STORE-REMOVE-ATTRIBUTE"
                  "STORE-SET-OBJECT" "STORE-DELETE" "STORE-GRANT"
                  "STORE-REVOKE" "STORE-HISTORY" "STORE-REVERT"
                  "STORE-EXPLAIN" "STORE-CREATE-INDEX" "STORE-DROP-INDEX"
                  "STORE-INDEXES" "VALUE-SET" "VALUE-SET-ADD"
                  "VALUE-SET-REMOVE" "MAKE-GROUP" "GROUP-ADD-MEMBER"
                  "GROUP-REMOVE-MEMBER" "GROUPS"
                  "STORE-QUERY" "STORE-COUNT"
                  "STORE-DIRECTORY" "DIRECTORY-ENTRIES" "DIRECTORY-COUNT"
                  "STORE-ERROR" "STORE-QUERY-ERROR"
                  "STORE-QUERY-ERROR-CULPRIT"))
    (export (intern name lispos) lispos)))

;;; ---- conditions ------------------------------------------------------------

;; STORE-ERROR: bad arguments to the store's API (an id the caller cannot
;; see is "no entry N", exactly as one never used).  STORE-QUERY-ERROR: a
;; malformed filter; the C side gives it :culprit, the part at fault.
(%define-condition-type 'store-error '(error))
(%define-condition-type 'store-query-error '(store-error))
(defun store-query-error-culprit (c) (getf (%condition-data c) :culprit))

;;; ---- entry handles -----------------------------------------------------------

(defstruct (store-entry (:constructor %make-entry (id))
                        (:conc-name entry-)
                        (:predicate entryp)
                        (:copier nil))
  (id 0 :read-only t))

;; The store also makes and reads plain handles in C (store.c): STORE-GET
;; and ENTRY-ATTRIBUTE are primitives, and a query's SATISFIES predicate
;; gets its handles from C.

(defmethod print-object ((e store-entry) stream)
  (format stream "#<ENTRY ~d>" (entry-id e)))

;; The id of an entry argument: a handle or an id.
(defun %entry-id-of (x)
  (cond ((entryp x) (entry-id x))
        ((and (integerp x) (plusp x)) x)
        (t (error 'type-error :datum x
                    :expected-type '(or store-entry (integer 1))))))

;;; ---- entries -------------------------------------------------------------------

;; STORE-PUT is a primitive (store/store.c): APPLY hands it the attributes
;; on the stack, where a function's &rest would make a list of them; it
;; makes the entry with %MAKE-ENTRY.

;; STORE-GET (id) is a primitive: the entry of ID, or NIL when there is
;; none the caller may read.

(defun entry-object (entry)
  "ENTRY's object, carrying the access bits its ACL grants the caller."
  (%store-object (%entry-id-of entry)))

(defun entry-attributes (entry)
  "A fresh property list of ENTRY's attributes, in stored order."
  (%store-attributes (%entry-id-of entry)))

(defun entry-attribute-values (entry key)
  "A fresh list of ENTRY's values for KEY, in stored order."
  (%store-attribute-values (%entry-id-of entry) key))

;; ENTRY-ATTRIBUTE (entry key) is a primitive: ENTRY's first value for
;; KEY, or NIL; the second value says whether it has one.

(defun entry-owner (entry)
  "The name of ENTRY's owner, or :ADMINISTRATOR."
  (%store-owner (%entry-id-of entry)))

;;; ---- changing entries ------------------------------------------------------------
;;; Each change is recorded in the entry's history (STORE-HISTORY).

(defun %set-entry-attribute (entry key value)
  (%store-set-attribute (%entry-id-of entry) key (list value))
  value)

(defsetf entry-attribute %set-entry-attribute)

(defun store-add-attribute (entry key value)
  "Add the pair KEY VALUE at the end of ENTRY's attributes."
  (%store-add-attribute (%entry-id-of entry) key value))

(defun store-remove-attribute (entry key &optional (value nil value-p))
  "Remove every value of KEY from ENTRY, or only those equal to VALUE;
true when there was one."
  (if value-p
      (%store-remove-attribute (%entry-id-of entry) key value)
      (%store-remove-attribute (%entry-id-of entry) key)))

(defun store-set-object (entry object)
  "Make OBJECT ENTRY's object."
  (%store-set-object (%entry-id-of entry) object))

(defun store-delete (entry)
  "Delete ENTRY: it leaves every query; STORE-REVERT brings it back while
its history lasts."
  (%store-delete (%entry-id-of entry)))

(defun store-grant (entry principal bits)
  "Give PRINCIPAL (a user's name, (:group \"name\") or :everyone) the
access BITS on ENTRY (its owner or the administrator only)."
  (%store-grant (%entry-id-of entry) principal bits))

(defun store-revoke (entry principal)
  "Take PRINCIPAL's row out of ENTRY's ACL; true when it had one."
  (%store-revoke (%entry-id-of entry) principal))

(defun store-history (entry)
  "ENTRY's versions kept, newest first: (:version n :by who :at seconds
:change what) each."
  (%store-history (%entry-id-of entry)))

(defun store-revert (entry version)
  "Make ENTRY as it was at VERSION, as a new version (a deleted entry
comes back so); returns the new version's number."
  (%store-revert (%entry-id-of entry) version))

;;; ---- queries and directories ---------------------------------------------------

;; A query's answer: the ids of its entries, in result order, compact (a
;; byte vector %STORE-QUERY encodes and %STORE-DIRECTORY-IDS reads), and
;; how many.  Stored like any object, it is a folder of entries; each
;; reader still sees only what the ACLs let them.
(defstruct (store-directory (:constructor %make-store-directory (ids count))
                            (:copier nil))
  (ids #() :read-only t)
  (count 0 :read-only t))

(defmethod print-object ((d store-directory) stream)
  (format stream "#<STORE-DIRECTORY ~d entr~:@p>"
          (store-directory-count d)))

(defun directory-entries (directory)
  "A fresh list of DIRECTORY's entries, in result order (those the caller
may still read)."
  (let ((entries '()))
    (map nil (lambda (id)
               (when (%store-visible-p id)
                 (push (%make-entry id) entries)))
         (%store-directory-ids (store-directory-ids directory)))
    (nreverse entries)))

(defun directory-count (directory)
  "How many entries DIRECTORY holds."
  (store-directory-count directory))

(defun store-query (filter &key order-by limit offset)
  "A directory of the entries matching FILTER (docs/store.md) that the
caller may read: by ascending id, or ORDER-BY a key or (key :descending);
from OFFSET on, at most LIMIT."
  (multiple-value-call #'%make-store-directory
    (%store-query (%normalize-filter filter) order-by limit offset)))

(defun store-count (filter)
  "How many entries the caller may read match FILTER."
  (%store-count (%normalize-filter filter)))

(defun store-explain (filter)
  "How the store answers FILTER: (:plan PLAN :rows N).  PLAN says, term by
term, whether an index gave candidates (how many the caller may read) or a
scan decides; N is how many entries the caller may read match."
  (%store-explain (%normalize-filter filter)))

;;; ---- indexes --------------------------------------------------------------------

(defun store-create-index (key &key (kind :hash))
  "Index KEY: KIND :hash serves =, IN and HAS; :ordered serves ranges too.
Returns KEY."
  (%store-create-index key kind))

(defun store-drop-index (key)
  "Drop the index of KEY (the administrator's right); true when there was one."
  (%store-drop-index key))

(defun store-indexes ()
  "The store's indexes, a list of (key kind)."
  (sort (%store-indexes) #'string< :key (lambda (x) (symbol-name (car x)))))

;;; ---- value sets ---------------------------------------------------------------
;;; :category, :genre, :format, :language and :source-control take keywords
;;; from the caller's own editable set.

(defun value-set (key)
  "Your set of allowed values for KEY (:category, :genre, :format,
:language or :source-control)."
  (%value-set key))

(defun value-set-add (key value)
  "Add VALUE (a keyword) to your set for KEY; true when it was not there."
  (%value-set-add key value))

(defun value-set-remove (key value)
  "Take VALUE out of your set for KEY (entries keep the values they have);
true when it was there."
  (%value-set-remove key value))

;;; ---- groups (the administrator's) -------------------------------------------------

(defun make-group (name)
  "Make a group named NAME (a string), with no members."
  (%make-group name))

(defun group-add-member (group user)
  "Make USER (a name or environment) a member of GROUP (a name)."
  (%group-add-member group user))

(defun group-remove-member (group user)
  "Take USER out of GROUP."
  (%group-remove-member group user))

(defun groups ()
  "The groups, each (name member ...)."
  (%groups))
