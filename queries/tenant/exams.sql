-- Assessments, marks, grading scales, results and report cards (package app/core/exams).

-- name: ExamsGetTerm :one
SELECT t.id, t.session_id, t.name, t.start_date, t.end_date, t.next_term_begins, t.is_current,
       s.name AS session_name
FROM terms t JOIN academic_sessions s ON s.id = t.session_id
WHERE t.id = ?;

-- name: ExamsGetCurrentTermID :one
SELECT id FROM terms WHERE is_current = 1;

-- name: ExamsGetClass :one
SELECT c.id, c.name, c.form_id, c.session_id, c.class_teacher_id, f.name AS form_name, f.level AS form_level
FROM classes c JOIN forms f ON f.id = c.form_id
WHERE c.id = ?;

-- name: ExamsGetForm :one
SELECT id, name, level FROM forms WHERE id = ?;

-- name: ExamsFormClasses :many
SELECT c.id, c.name, c.class_teacher_id FROM classes c
WHERE c.form_id = ? AND c.session_id = ?
ORDER BY c.name, c.id;

-- name: ExamsGetSubject :one
SELECT id, code, name FROM subjects WHERE id = ?;

-- name: ExamsInCurriculum :one
SELECT count(*) FROM curriculum WHERE form_id = ? AND subject_id = ?;

-- name: ExamsTeacherOf :one
SELECT teacher_id FROM subject_assignments WHERE class_id = ? AND subject_id = ?;

-- name: ExamsTeachesOrLeads :one
SELECT CAST(EXISTS (SELECT 1 FROM subject_assignments WHERE class_id = sqlc.arg(class_id) AND teacher_id = sqlc.arg(teacher_id))
    OR EXISTS (SELECT 1 FROM classes WHERE id = sqlc.arg(class_id) AND class_teacher_id = sqlc.arg(teacher_id)) AS INTEGER);

-- name: ExamsCreateAssessment :one
INSERT INTO assessments (term_id, class_id, subject_id, name, kind, date, max_tenths, weight, created_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: ExamsUpdateAssessment :exec
UPDATE assessments
SET term_id = ?, class_id = ?, subject_id = ?, name = ?, kind = ?, date = ?, max_tenths = ?, weight = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?;

-- name: ExamsDeleteAssessment :execrows
DELETE FROM assessments WHERE id = ?;

-- name: ExamsMaxScoreOnAssessment :one
SELECT CAST(coalesce(max(score_tenths), 0) AS INTEGER) FROM scores WHERE assessment_id = ?;

-- name: ExamsCountScores :one
SELECT count(*) FROM scores WHERE assessment_id = ?;

-- name: ExamsClassRoster :many
SELECT s.id, s.admission_no, s.first_name, s.middle_name, s.last_name
FROM enrollments e JOIN students s ON s.id = e.student_id
WHERE e.class_id = ? AND e.status <> 'left'
ORDER BY s.last_name COLLATE NOCASE, s.first_name COLLATE NOCASE, s.id;

-- name: ExamsSheetScores :many
SELECT student_id, status, score_tenths FROM scores WHERE assessment_id = ?;

-- name: ExamsUpsertScores :exec
-- The changed marks of a sheet in one statement: scores is a JSON array of
-- {"s": student, "st": status, "t": score in tenths or null}.
INSERT INTO scores (assessment_id, student_id, status, score_tenths, updated_by, updated_at)
SELECT sqlc.arg(assessment_id), json_extract(j.value, '$.s'), json_extract(j.value, '$.st'), json_extract(j.value, '$.t'),
       sqlc.narg(updated_by), sqlc.arg(updated_at)
FROM json_each(sqlc.arg(scores)) j WHERE true
ON CONFLICT (assessment_id, student_id) DO UPDATE SET
    status = excluded.status, score_tenths = excluded.score_tenths, updated_by = excluded.updated_by,
    updated_at = excluded.updated_at;

-- name: ExamsDeleteScores :exec
-- students is a JSON array of student ids.
DELETE FROM scores WHERE assessment_id = sqlc.arg(assessment_id)
    AND student_id IN (SELECT j.value FROM json_each(sqlc.arg(students)) j);

-- name: ExamsSheetState :one
-- Everything a mark sheet's save is checked against, as one text: the assessment's
-- class, term, subject and maximum, its class's report status, the class's students and
-- the marks. Equal texts read at two times mean none of it changed in between.
SELECT CAST(json_array(a.class_id, a.term_id, a.subject_id, a.max_tenths,
    coalesce((SELECT w.status FROM report_workflow w WHERE w.term_id = a.term_id AND w.class_id = a.class_id), 'draft'),
    (SELECT json_group_array(e.student_id) FROM enrollments e WHERE e.class_id = a.class_id AND e.status <> 'left'),
    (SELECT json_group_array(json_array(sc.student_id, sc.status, sc.score_tenths)) FROM scores sc WHERE sc.assessment_id = a.id)
) AS TEXT) AS state
FROM assessments a WHERE a.id = ?;

-- name: ExamsWorkflowStatus :one
SELECT status FROM report_workflow WHERE term_id = ? AND class_id = ?;

-- name: ExamsGetWorkflow :one
SELECT * FROM report_workflow WHERE term_id = ? AND class_id = ?;

-- name: ExamsSetWorkflow :exec
INSERT INTO report_workflow (term_id, class_id, status, published_at, published_by)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (term_id, class_id) DO UPDATE SET
    status = excluded.status, published_at = excluded.published_at, published_by = excluded.published_by,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: ExamsGetSetting :one
SELECT value FROM school_settings WHERE key = ?;

-- name: ExamsPutSetting :exec
INSERT INTO school_settings (key, value) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: ExamsListScales :many
SELECT * FROM grading_scales ORDER BY is_default DESC, name COLLATE NOCASE, id;

-- name: ExamsGetScale :one
SELECT * FROM grading_scales WHERE id = ?;

-- name: ExamsGetDefaultScale :one
SELECT * FROM grading_scales WHERE is_default = 1;

-- name: ExamsFormScaleID :one
SELECT scale_id FROM grading_scale_forms WHERE form_id = ?;

-- name: ExamsScaleBands :many
SELECT * FROM grading_bands WHERE scale_id = ? ORDER BY min_percent DESC;

-- name: ExamsScaleForms :many
SELECT g.form_id, f.name FROM grading_scale_forms g JOIN forms f ON f.id = g.form_id
WHERE g.scale_id = ? ORDER BY f.level;

-- name: ExamsCreateScale :one
INSERT INTO grading_scales (name, is_default) VALUES (?, ?) RETURNING id;

-- name: ExamsUpdateScale :exec
UPDATE grading_scales SET name = ?, is_default = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?;

-- name: ExamsClearDefaultScale :exec
UPDATE grading_scales SET is_default = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE is_default = 1 AND id != ?;

-- name: ExamsDeleteScale :execrows
DELETE FROM grading_scales WHERE id = ?;

-- name: ExamsDeleteBands :exec
DELETE FROM grading_bands WHERE scale_id = ?;

-- name: ExamsInsertBand :exec
INSERT INTO grading_bands (scale_id, min_percent, max_percent, grade, points, remark) VALUES (?, ?, ?, ?, ?, ?);

-- name: ExamsClearScaleForms :exec
DELETE FROM grading_scale_forms WHERE scale_id = ?;

-- name: ExamsSetFormScale :exec
INSERT INTO grading_scale_forms (form_id, scale_id) VALUES (?, ?)
ON CONFLICT (form_id) DO UPDATE SET scale_id = excluded.scale_id;

-- name: ExamsGetComments :one
SELECT * FROM report_comments WHERE term_id = ? AND student_id = ?;

-- name: ExamsPutComments :exec
INSERT INTO report_comments (term_id, student_id, class_teacher_comment, head_teacher_comment, updated_by)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (term_id, student_id) DO UPDATE SET
    class_teacher_comment = excluded.class_teacher_comment, head_teacher_comment = excluded.head_teacher_comment,
    updated_by = excluded.updated_by, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: ExamsPutRemark :exec
INSERT INTO subject_remarks (term_id, student_id, subject_id, remark, updated_by)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (term_id, student_id, subject_id) DO UPDATE SET
    remark = excluded.remark, updated_by = excluded.updated_by, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: ExamsDeleteRemark :exec
DELETE FROM subject_remarks WHERE term_id = ? AND student_id = ? AND subject_id = ?;

-- name: ExamsCommentBank :many
SELECT * FROM comment_bank ORDER BY role, grade;

-- name: ExamsClearCommentBank :exec
DELETE FROM comment_bank;

-- name: ExamsInsertBankComment :exec
INSERT INTO comment_bank (role, grade, comment) VALUES (?, ?, ?);

-- name: ExamsStudentClassInSession :one
SELECT e.class_id FROM enrollments e WHERE e.student_id = ? AND e.session_id = ? AND e.status <> 'left';

-- name: ExamsGetStudent :one
SELECT id, admission_no, first_name, middle_name, last_name, gender, date_of_birth, status FROM students WHERE id = ?;

-- name: ExamsLatestPublishedTerm :one
SELECT t.id FROM report_workflow w
JOIN terms t ON t.id = w.term_id
JOIN enrollments e ON e.class_id = w.class_id AND e.session_id = t.session_id
WHERE w.status = 'published' AND e.student_id = ? AND e.status <> 'left'
ORDER BY t.start_date DESC, t.id DESC
LIMIT 1;

-- name: ExamsGetUserName :one
SELECT CAST(CASE WHEN name = '' THEN email ELSE name END AS TEXT) AS name FROM users WHERE id = ?;

-- name: ExamsFormRoster :many
SELECT s.id, s.admission_no, s.first_name, s.middle_name, s.last_name, e.class_id
FROM classes c
JOIN enrollments e ON e.class_id = c.id
JOIN students s ON s.id = e.student_id
WHERE c.form_id = ? AND c.session_id = ? AND e.status <> 'left'
ORDER BY s.last_name COLLATE NOCASE, s.first_name COLLATE NOCASE, s.id;

-- name: ExamsFormAssessments :many
SELECT a.id, a.class_id, a.subject_id, a.name, a.kind, a.date, a.max_tenths, a.weight
FROM classes c JOIN assessments a ON a.class_id = c.id
WHERE c.form_id = sqlc.arg(form_id) AND c.session_id = sqlc.arg(session_id) AND a.term_id = sqlc.arg(term_id)
ORDER BY a.date, a.id;

-- name: ExamsFormScores :many
SELECT sc.assessment_id, sc.student_id, sc.status, sc.score_tenths
FROM classes c
JOIN assessments a ON a.class_id = c.id
JOIN scores sc ON sc.assessment_id = a.id
WHERE c.form_id = sqlc.arg(form_id) AND c.session_id = sqlc.arg(session_id) AND a.term_id = sqlc.arg(term_id);

-- name: ExamsFormSubjects :many
SELECT sub.id, sub.code, sub.name FROM subjects sub
WHERE sub.id IN (
    SELECT a.subject_id FROM classes c JOIN assessments a ON a.class_id = c.id
    WHERE c.form_id = sqlc.arg(form_id) AND c.session_id = sqlc.arg(session_id) AND a.term_id = sqlc.arg(term_id))
ORDER BY sub.id;

-- name: ExamsFormTeachers :many
SELECT sa.class_id, sa.subject_id, sa.teacher_id,
       CAST(CASE WHEN u.name = '' THEN u.email ELSE u.name END AS TEXT) AS teacher_name
FROM classes c
JOIN subject_assignments sa ON sa.class_id = c.id
JOIN users u ON u.id = sa.teacher_id
WHERE c.form_id = ? AND c.session_id = ?;

-- name: ExamsFormCurriculum :many
SELECT sub.id, sub.code, sub.name FROM curriculum cu JOIN subjects sub ON sub.id = cu.subject_id
WHERE cu.form_id = ? ORDER BY sub.id;

-- name: ExamsClassSheetCounts :many
SELECT a.id, a.name, sub.id AS subject_id, sub.code AS subject_code, sub.name AS subject_name,
       (SELECT count(*) FROM scores sc
        JOIN enrollments e ON e.student_id = sc.student_id AND e.class_id = a.class_id AND e.status <> 'left'
        WHERE sc.assessment_id = a.id) AS marked
FROM assessments a JOIN subjects sub ON sub.id = a.subject_id
WHERE a.term_id = ? AND a.class_id = ?
ORDER BY sub.id, a.date, a.id;

-- name: ExamsClassComments :many
SELECT * FROM report_comments
WHERE term_id = ? AND student_id IN (SELECT student_id FROM enrollments WHERE class_id = ? AND status <> 'left');

-- name: ExamsClassRemarks :many
SELECT * FROM subject_remarks
WHERE term_id = ? AND student_id IN (SELECT student_id FROM enrollments WHERE class_id = ? AND status <> 'left');

-- name: ExamsEmptySheets :many
SELECT a.id, a.name, a.date, c.name AS class_name, sub.name AS subject_name
FROM assessments a
JOIN subject_assignments sa ON sa.class_id = a.class_id AND sa.subject_id = a.subject_id
JOIN classes c ON c.id = a.class_id
JOIN subjects sub ON sub.id = a.subject_id
WHERE sa.teacher_id = ? AND a.term_id = ?
  AND NOT EXISTS (SELECT 1 FROM scores sc WHERE sc.assessment_id = a.id)
ORDER BY a.date, c.name, sub.name, a.id;
