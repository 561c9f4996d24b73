"""The MCP protocol features beyond tools/list and tools/call, one module each.

- confirmation: ask the user (elicitation, both eras) before a call changes the org
- org_kind: production, sandbox or the embedded org (for --confirm-production and the question's wording)
- progress: progress notifications for a request, and loader progress fanned out to whoever waits on it
- batching: invoke_flow in batches when the caller asked for progress; a cancelled call sends no further batch
- long_calls: calls that outlive the client's patience answer "still running on the org" and finish in the background
- tool_calls: the tools/call pipeline that puts those together
- resources, prompts, completions, log_notifications, icons: the protocol features of the same names
"""
