from salesforce_flow_mcp.cli import main

raise SystemExit(main())
