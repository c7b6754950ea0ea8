;; NSUBSTITUTE and its -IF forms, MAP-INTO (added with the capabilities'
;; audit, docs/lisp.md "Capabilities"): the sequence itself is changed
(let ((v (vector 1 2 1 3))) (list (eq v (nsubstitute 9 1 v)) v))
(let ((l (list 1 2 1 3))) (list (eq l (nsubstitute 9 1 l ':count 1 ':from-end t)) l))
(let ((s (copy-seq "abcab"))) (list (nsubstitute-if #\z (lambda (c) (char= c #\a)) s ':start 1) s))
(nsubstitute-if-not 0 #'oddp (list 1 2 3 4) ':key #'1+)
(nsubstitute 'x 'a (list 'a 'b 'a) ':test-not #'eq)
(nsubstitute 1 2 (vector 2 2 2) ':start 1 ':end 2)
(let ((v (vector 1 2 3))) (list (map-into v #'+ '(10 20) '(1 2 3)) v))
(let ((l (list 1 2 3))) (list (map-into l #'1+ l) l))
(let ((s (copy-seq "abc"))) (map-into s #'char-upcase s))
(let ((n 0)) (map-into (make-list 3) (lambda () (setq n (+ n 1)))))
(map-into (vector) #'identity '(1 2))
(map-into (list 1 2 3) #'identity '(a))
