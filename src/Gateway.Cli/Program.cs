using Gateway.Cli;

return await GatewayCtl.RunAsync(args, Console.Out, Console.Error);
