"""The JSON API, mounted at /api. One module per resource."""

from starlette.routing import Route

from . import applications, callbacks, campaigns, check, meta, programs, staff

# The self-check is the hot path at a job fair: matched first; sending an application next
# (each route tried before the right one costs about a microsecond).
routes = [
    Route("/check", check.check, methods=["POST"]),
    Route("/applications", applications.submit, methods=["POST"]),
    Route("/questions", check.questions, methods=["GET"]),
    Route("/programs", programs.list_programs, methods=["GET"]),
    Route("/programs/{slug}", programs.get_program, methods=["GET"]),
    Route("/applications/{reference}", applications.lookup, methods=["GET"]),
    Route("/callbacks", callbacks.submit, methods=["POST"]),
    Route("/applications/{reference}/received", applications.received, methods=["POST"]),
    Route("/applications/{reference}/documents", applications.add_document, methods=["POST"]),
    Route("/staff/login", staff.login, methods=["POST"]),
    Route("/staff/logout", staff.logout, methods=["POST"]),
    Route("/staff/me", staff.me, methods=["GET"]),
    Route("/staff/summary", staff.summary, methods=["GET"]),
    Route("/staff/applications", staff.list_applications, methods=["GET"]),
    Route("/staff/applications.csv", staff.export, methods=["GET"]),
    Route("/staff/applications/{reference}", staff.get_application, methods=["GET"]),
    Route("/staff/applications/{reference}/status", staff.set_status, methods=["POST"]),
    Route("/staff/applications/{reference}/reveal", staff.reveal, methods=["POST"]),
    Route("/staff/applications/{reference}/photos/{photo}", staff.photo, methods=["GET"]),
    Route("/staff/audit", staff.audit_log, methods=["GET"]),
    Route("/staff/accounts", staff.accounts_root, methods=["GET", "POST"]),
    Route("/staff/accounts/{username}/disable", staff.disable_account, methods=["POST"]),
    Route("/staff/accounts/{username}/unlock", staff.unlock_account, methods=["POST"]),
    Route("/staff/callbacks", callbacks.list_callbacks, methods=["GET"]),
    Route("/staff/callbacks/{id}/done", callbacks.done, methods=["POST"]),
    Route("/staff/campaigns", campaigns.campaigns_root, methods=["GET", "POST"]),
    Route("/staff/campaigns/{code}", campaigns.get_campaign, methods=["GET"]),
    Route("/staff/campaigns/{code}/retire", campaigns.retire_campaign, methods=["POST"]),
    Route("/openapi.json", meta.openapi, methods=["GET"]),
]
