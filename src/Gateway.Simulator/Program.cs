using Gateway.Simulator;

SimulatorApp.Build(args).Run();
