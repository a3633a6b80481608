import { Component } from '@angular/core';

@Component({
  selector: 'lib-admin-client',
  imports: [],
  templateUrl: './admin-client.html',
  styleUrl: './admin-client.css',
})
export class AdminClient {}
