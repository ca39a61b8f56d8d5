"""Notifications: each user's in-app list (read/unread) and the e-mail outbox sent by SMTP.

Callers (the scheduler's reminder, overdue, escalation and digest jobs; the case service) call
`service.notify` inside their own transaction; `mailer.send_pending` (run by `flask send-mail`)
delivers the outbox with retries, so a mail server that is down delays e-mail but loses none.
"""
