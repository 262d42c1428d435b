"""The web console (控制台): server-rendered pages in Chinese for the people who do the work, served by the API
process under ``/console``. Every write goes through the same services, rules, idempotency and audit as the JSON
API; every page is scoped to the signed-in user's role and area exactly as the API is."""
