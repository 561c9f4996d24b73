"""The Salesforce formula language: a lark parser into self-evaluating nodes, the function table, value rules."""
